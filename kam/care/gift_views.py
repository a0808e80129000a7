"""More gift register pages (A14.2): the gift's photo (served only through the gift's selector, never as a
public media URL), the reports per recipient and year, per account and per giver, their audited Excel exports
and the register's, and the half-yearly compliance summary for management and the head of sales (A3)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from kam.care import forms, gift_reports, selectors, services
from kam.care.gates import Limits
from kam.care.lists import gift_spec
from kam.care.models import GiftState
from kam.core.access import role_required
from kam.core.inputs import submit
from kam.core.lists import filter_and_sort, list_context
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx
from kam.policy.selectors import policy_in_force
from kam.users.models import Role

CHAIN = (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT)
SUMMARY_ROLES = (Role.HEAD_OF_SALES, Role.MANAGEMENT)

#: the stored photo's format (checked by Pillow when uploaded) as a content type
_IMAGE_TYPES = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
                "GIF": "image/gif", "BMP": "image/bmp", "TIFF": "image/tiff"}


def _limits() -> Limits:
    return Limits.of(policy_in_force(at=timezone.now()))


# --- the photo -----------------------------------------------------------------------------------------------

def _image_type(fileobj) -> str:
    from PIL import Image

    try:
        with Image.open(fileobj) as img:
            return _IMAGE_TYPES.get(img.format or "", "application/octet-stream")
    except Exception:  # noqa: BLE001 - a stored file that no longer reads as an image is served as bytes
        return "application/octet-stream"
    finally:
        fileobj.seek(0)


@role_required(*CHAIN)
@require_safe
def gift_photo(request, pk: int):
    """A14.2: the gift's photo, for those who may see the gift (404 for anyone else, as the gift's page)."""
    gift = selectors.gift_get(user=request.user, pk=pk)
    if not gift.photo:
        raise Http404("no photo")
    try:
        handle = gift.photo.open("rb")
    except OSError:
        raise Http404("photo missing") from None
    response = FileResponse(handle, content_type=_image_type(handle))
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@role_required(*services.GIVERS)
@require_POST
def gift_photo_set(request, pk: int):
    """A14.2: add or replace the gift's photo (an image, checked by content and size)."""
    from kam.care.views import _gift_page

    gift = selectors.gift_get(user=request.user, pk=pk)
    form = forms.GiftPhotoForm(request.POST, request.FILES)
    if submit(form, lambda d: services.gift_photo_set(actor=request.user, gift=gift, upload=d["photo"])):
        messages.success(request, _("已保存礼品照片（%(item)s）。") % {"item": gift.item})
        return redirect("care:gift", pk=gift.pk)
    return _gift_page(request, gift, action="photo", form=form)


# --- reports -------------------------------------------------------------------------------------------------

def _report_queryset(request, which: str):
    if which == "recipients":
        return gift_reports.by_recipient(user=request.user, limit=_limits().per_recipient_year)
    if which == "accounts":
        return gift_reports.by_account(user=request.user)
    return gift_reports.by_giver(user=request.user)


def _report_defaults() -> dict[str, str]:
    return {"year": str(timezone.localdate().year)}


@role_required(*CHAIN)
@require_safe
def gift_report(request, which: str):
    """A14.2: the register aggregated per recipient and year, per account or per giver (the giver's chain only:
    an account manager sees their own accounts; another manager's account is a 404)."""
    if which not in gift_reports.REPORTS:
        raise Http404("no such report")
    gift_reports.account_in_scope(user=request.user, raw=request.GET.get("account"))
    spec_of, label = gift_reports.REPORTS[which]
    context = list_context(request, spec_of(), _report_queryset(request, which), defaults=_report_defaults())
    year = context["lst"].query.get("year", "")
    page = context["page"]
    page.object_list = list(page.object_list)
    for row in page.object_list:
        row["link"] = gift_reports.row_link(row, year)
        row["awaiting_link"] = gift_reports.row_link(row, year, state=GiftState.AWAITING_APPROVAL)
        row["rejected_link"] = gift_reports.row_link(row, year, state=GiftState.REJECTED)
    context.update(which=which, label=label, reports=gift_reports.REPORTS, limits=_limits(),
                   sees_summary=request.user.has_role(*SUMMARY_ROLES))
    return render(request, "care/gift_report.html", context)


def _report_columns(which: str) -> list[ExportColumn]:
    money = "#,##0.00"
    common = [ExportColumn("n", _("礼品数"), width=10),
              ExportColumn("total", _("已登记总价值（元）"), number_format=money),
              ExportColumn("given", _("已赠送价值（元）"), number_format=money),
              ExportColumn("awaiting", _("待审批"), width=10), ExportColumn("rejected", _("已驳回"), width=10)]
    if which == "recipients":
        return [ExportColumn("year", _("年度"), width=8), ExportColumn("recipient__name", _("受礼人")),
                ExportColumn("customer__name", _("客户"), width=28), *common,
                ExportColumn("limit", _("每人每年上限（元）"), number_format=money),
                ExportColumn("left", _("还可登记（元）"), number_format=money)]
    if which == "accounts":
        return [ExportColumn("customer__name", _("客户"), width=28),
                ExportColumn("manager", _("客户经理"), value=lambda r: gift_reports._name(r, "customer__account_manager")),
                ExportColumn("recipients", _("受礼人数"), width=10), *common]
    return [ExportColumn("giver", _("赠送人"), value=lambda r: gift_reports._name(r, "giver")),
            ExportColumn("accounts", _("客户数"), width=10), *common]


@role_required(*CHAIN)
@require_safe
def gift_report_export(request, which: str):
    """A14.2, A18.2: a report as filtered on its page, through the audited, watermarked export (rows scoped by
    the same selector)."""
    if which not in gift_reports.REPORTS:
        raise Http404("no such report")
    gift_reports.account_in_scope(user=request.user, raw=request.GET.get("account"))
    spec_of, label = gift_reports.REPORTS[which]
    query = request.GET.copy()
    for key, value in _report_defaults().items():
        query.setdefault(key, value)
    rows, applied, _sort = filter_and_sort(spec_of(), query, _report_queryset(request, which))
    title = _("礼品报表（%(which)s）") % {"which": label}
    return export_xlsx(user=request.user, list_name=f"care.gift_report.{which}", list_label=title,
                       columns=_report_columns(which), rows=rows.iterator(),
                       filters={f.key: v for f, v in applied if v is not None},
                       filename=export_response_name(title, request.user))


@role_required(*CHAIN)
@require_safe
def gift_export(request):
    """A14.2, A18.2: the gift register as filtered on its page, through the audited, watermarked export."""
    gift_reports.account_in_scope(user=request.user, raw=request.GET.get("account"))
    rows, applied, _sort = filter_and_sort(gift_spec(), request.GET, selectors.gifts_visible(user=request.user))
    columns = [ExportColumn("planned_on", _("计划赠送日期"), width=12),
               ExportColumn("customer", _("客户"), value=lambda g: g.customer.name, width=28),
               ExportColumn("recipient", _("受礼人"), value=lambda g: g.recipient.name),
               ExportColumn("occasion", _("场合")), ExportColumn("item", _("礼品"), width=24),
               ExportColumn("category", _("类别"), value=lambda g: g.get_category_display()),
               ExportColumn("quantity", _("数量"), width=8),
               ExportColumn("unit_value", _("单价（元）"), number_format="#,##0.00"),
               ExportColumn("total_value", _("总价值（元）"), number_format="#,##0.00"),
               ExportColumn("supplier_ref", _("供应商/发票号")),
               ExportColumn("giver", _("赠送人"), value=lambda g: str(g.giver)),
               ExportColumn("year", _("计入年度"), width=8),
               ExportColumn("state", _("状态"), value=lambda g: g.get_state_display()),
               ExportColumn("decision_note", _("审批意见")), ExportColumn("given_on", _("赠送日期"), width=12)]
    label = _("礼品登记")
    return export_xlsx(user=request.user, list_name="care.gifts", list_label=label, columns=columns,
                       rows=rows.iterator(chunk_size=500), filters={f.key: v for f, v in applied if v is not None},
                       filename=export_response_name(label, request.user))


# --- the half-yearly compliance summary ----------------------------------------------------------------------

@role_required(*SUMMARY_ROLES)
@require_safe
def gift_summary(request):
    """A3, A14.2: the half-yearly compliance summary for management (and the head of sales)."""
    choices = gift_reports.half_choices()
    half = gift_reports.Half.parse(request.GET.get("half")) or gift_reports.Half.parse(choices[0][0])
    assert half is not None
    context = gift_reports.compliance_summary(user=request.user, half=half, limits=_limits())
    context.update(choices=choices, limits=_limits(), sees_integrity=request.user.has_role(Role.MANAGEMENT))
    return render(request, "care/gift_summary.html", context)
