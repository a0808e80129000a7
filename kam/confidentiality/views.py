"""Management's confidentiality pages (A7): the audit trail, the core-access log and field classification."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from django.views.decorators.http import require_POST

from kam.confidentiality import classification, readable, selectors, services
from kam.confidentiality.forms import CHANNELS, AccessFilter, ClassifyForm
from kam.core import search
from kam.core.access import role_required
from kam.core.errors import ApplicationError
from kam.core.lists import Column, ListSpec, date_filter, list_context, text_filter
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx
from kam.users.models import Role

#: customers offered under the access log's customer filter as the user types
CUSTOMER_OPTIONS = 10


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _audit_spec() -> ListSpec:
    return ListSpec(
        name="confidentiality.audit",
        columns=[Column("at", _l("时间"), order_by="at", value=lambda e: timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S")),
                 Column("actor", _l("操作人"), order_by="actor__username", value=lambda e: e.actor or _("系统")),
                 Column("action", _l("操作"), order_by="action", template="confidentiality/_audit_action.html"),
                 Column("changes", _l("变更"), template="confidentiality/_audit_changes.html"),
                 Column("rule", _l("规则"), order_by="rule"),
                 Column("ip", "IP", order_by="ip")],
        filters=[text_filter("who", _l("操作人"), "actor__username", "actor__display_name"),
                 text_filter("customer", _l("客户"), "target_repr", placeholder=_l("客户名称")),
                 text_filter("action", _l("操作"), "action", placeholder=_l("例如 demands、review")),
                 date_filter("since", _l("起始日期"), "at__date__gte"),
                 date_filter("until", _l("截止日期"), "at__date__lte")],
        default_sort="-at")


@role_required(Role.MANAGEMENT)
def audit_events(request):
    """A7.2: the append-only audit trail, readable: who did what to which record, old → new by field label."""
    context = list_context(request, _audit_spec(), selectors.audit_events(user=request.user))
    masked = selectors.masked_field_names()
    for event in context["page"]:
        event.label, event.translated = readable.action_label(event.action)
        event.model = readable.model_label(event.target_type) if event.target_type else ""
        event.readable = readable.readable_changes(event.target_type, event.changes, masked)
    return render(request, "confidentiality/audit_events.html", context)


def _access_filters(form: AccessFilter) -> dict:
    return form.cleaned_data if form.is_valid() else {}


@role_required(Role.MANAGEMENT)
def access_log(request):
    """A7.2: the append-only log of core-data reveals, visible to management; filter and export."""
    form = AccessFilter(request.GET or None)
    rows = selectors.core_access_rows(user=request.user, filters=_access_filters(form))
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    channels = dict(CHANNELS)
    for row in page:
        row.channel_label = channels.get(row.channel, row.channel)
    return render(request, "confidentiality/access_log.html",
                  {"form": form, "page": page, "query": _query_without_page(request)},
                  status=400 if form.is_bound and not form.is_valid() else 200)


@role_required(Role.MANAGEMENT)
def access_log_customers(request):
    """The access log's customer filter, as typed: the names of the matching customers (a datalist's options),
    found as the global search finds them (issue 13)."""
    form = AccessFilter(request.GET)
    names: list[str] = []
    if form.is_valid() and form.cleaned_data["customer"]:
        query = search.parse(form.cleaned_data["customer"])
        for group in search.run(user=request.user, query=query, limit=CUSTOMER_OPTIONS, kinds=("customers",)):
            names += [hit.title for hit in group.hits]
    return render(request, "confidentiality/_customer_options.html", {"names": names})


@role_required(Role.MANAGEMENT)
def access_log_export(request):
    form = AccessFilter(request.GET or None)
    if form.is_bound and not form.is_valid():  # never an unfiltered export for a mistyped filter
        return redirect(reverse("confidentiality:access_log") + "?" + request.GET.urlencode())
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
