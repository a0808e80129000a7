"""Excel export of customer requests through the audited, watermarked export (A7.2, A18.2): the rows of the list
as filtered on the page (the same filters, kept in the URL), enumeration values in Chinese."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.demands.lists import request_spec
from kam.demands.selectors import request_list
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx


def filtered(request, spec, queryset):
    """The queryset with the list's filters the request names (unknown values ignored, like the page)."""
    applied = {}
    for f in spec.filters:
        value = f.clean(request.GET.get(f.key, ""))
        if value is not None:
            queryset = f.apply(queryset, value)
            applied[f.key] = value
    return queryset, applied


@login_required
def requests_export(request):
    columns = [ExportColumn("number", _("需求编号"), width=16), ExportColumn("received_at", _("收到时间"), width=18),
               ExportColumn("customer", _("客户"), value=lambda r: r.customer.name, width=28),
               ExportColumn("kind", _("类型"), value=lambda r: r.get_kind_display()),
               ExportColumn("channel", _("渠道"), value=lambda r: r.get_channel_display()),
               ExportColumn("status", _("状态"), value=lambda r: r.get_status_display()),
               ExportColumn("due_at", _("截止时间"), width=18),
               ExportColumn("summary", _("需求内容"), width=40), ExportColumn("responded_at", _("首次响应"), width=18),
               ExportColumn("solution_at", _("初步方案"), width=18),
               ExportColumn("department", _("负责部门"), value=lambda r: r.get_department_display()),
               ExportColumn("assignee", _("负责人"), value=lambda r: str(r.assignee or ""))]
    label = _("客户需求")
    rows, applied = filtered(request, request_spec(), request_list(user=request.user))
    return export_xlsx(user=request.user, list_name="demands.requests", list_label=label, columns=columns,
                       rows=rows.order_by("due_sort", "-received_at", "-id").iterator(), filters=applied,
                       filename=export_response_name(label, request.user))
