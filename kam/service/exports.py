"""Excel export of the tickets through the audited, watermarked export (A7.2, A18.2): the rows of the list as
filtered on the page (the same filters, kept in the URL), enumeration values in Chinese."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx
from kam.service.lists import ticket_spec
from kam.service.selectors import ticket_list


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
def tickets_export(request):
    columns = [ExportColumn("number", _("工单号"), width=18), ExportColumn("customer", _("客户"),
                                                                          value=lambda t: t.customer.name, width=28),
               ExportColumn("reported_at", _("报修时间"), width=18), ExportColumn("site_city", _("现场城市")),
               ExportColumn("status", _("状态"), value=lambda t: t.get_status_display()),
               ExportColumn("due_at", _("截止时间"), width=18),
               ExportColumn("paused", _("上门计时暂停"), value=lambda t: t.pause_reason is not None),
               ExportColumn("technician", _("技术员"), value=lambda t: str(t.technician or "")),
               ExportColumn("responded_at", _("响应时间"), width=18), ExportColumn("on_site_at", _("到场时间"), width=18),
               ExportColumn("resolved_at", _("解决时间"), width=18),
               ExportColumn("confirmed", _("客户确认"), width=30, value=lambda t: " · ".join(filter(None, [
                   t.confirmed_by, t.get_confirmed_via_display()]))),
               ExportColumn("problem", _("问题描述"), width=40)]
    label = _("售后工单")
    rows, applied = filtered(request, ticket_spec(), ticket_list(user=request.user))
    return export_xlsx(user=request.user, list_name="service.tickets", list_label=label, columns=columns,
                       rows=rows.order_by("due_sort", "-reported_at", "-id").iterator(), filters=applied,
                       filename=export_response_name(label, request.user))
