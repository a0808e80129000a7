"""Management's confidentiality pages (A7): the audit trail, the core-access log and field classification."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kam.confidentiality import classification, selectors, services
from kam.confidentiality.forms import AccessFilter, AuditFilterForm, ClassifyForm
from kam.core.access import role_required
from kam.core.errors import ApplicationError
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx
from kam.users.models import Role


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@role_required(Role.MANAGEMENT)
def audit_events(request):
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {"action": data["action"], "actor_id": data["actor"].pk if data["actor"] else None,
                   "target_type": data["target_type"], "target_id": data["target_id"],
                   "since": data["since"], "until": data["until"]}
    page = Paginator(selectors.audit_events(user=request.user, **filters), 50).get_page(request.GET.get("page"))
    masked = selectors.masked_field_names()
    for event in page:
        event.shown_changes = selectors.mask_changes(event.changes, masked)
    return render(request, "confidentiality/audit_events.html",
                  {"form": form, "page": page, "query": _query_without_page(request)})


def _access_filters(form: AccessFilter) -> dict:
    return form.cleaned_data if form.is_valid() else {}


@role_required(Role.MANAGEMENT)
def access_log(request):
    """A7.2: the append-only log of core-data reveals, visible to management; filter and export."""
    form = AccessFilter(request.GET or None)
    rows = selectors.core_access_rows(user=request.user, filters=_access_filters(form))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "confidentiality/access_log.html",
                  {"form": form, "page": page, "query": _query_without_page(request)})


@role_required(Role.MANAGEMENT)
def access_log_export(request):
    form = AccessFilter(request.GET or None)
    columns = [ExportColumn("at", _("时间"), width=20), ExportColumn("user", _("用户"), value=lambda r: str(r.user or "")),
               ExportColumn("customer", _("客户"), value=lambda r: str(r.customer or ""), width=28),
               ExportColumn("fields", _("字段"), value=lambda r: "、".join(r.fields), width=40),
               ExportColumn("channel", _("渠道")), ExportColumn("granted", _("允许"), value=lambda r: r.granted),
               ExportColumn("ip", "IP")]
    rows = selectors.core_access_rows(user=request.user, filters=_access_filters(form))
    return export_xlsx(user=request.user, list_name="audit.core_access", list_label=_("核心数据访问记录"),
                       columns=columns, rows=rows.iterator(), filters=request.GET.dict(),
                       filename=export_response_name(_("核心数据访问记录"), request.user))


@role_required(Role.MANAGEMENT)
def classification_page(request):
    """A7.1: management marks further fields core (e.g. negotiated price terms); applies everywhere at once."""
    core = classification.core_fields()
    return render(request, "confidentiality/classification.html", {
        "fixed": classification.FIXED_CORE.items(),
        "rows": [(k, label, k in core) for k, label in classification.CLASSIFIABLE.items()]})


@role_required(Role.MANAGEMENT)
@require_POST
def classify(request):
    form = ClassifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择字段。"))
        return redirect("confidentiality:classification")
    try:
        services.field_classify(actor=request.user, field=form.cleaned_data["field"], core=form.cleaned_data["core"])
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("已更新字段密级。"))
    return redirect("confidentiality:classification")
