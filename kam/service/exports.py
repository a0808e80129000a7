"""Excel export of the tickets through the audited, watermarked export (A7.2, A18.2)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx
from kam.service.selectors import tickets


@login_required
def tickets_export(request):
    columns = [ExportColumn("number", _("工单号"), width=18), ExportColumn("customer", _("客户"),
                                                                          value=lambda t: t.customer.name, width=28),
               ExportColumn("reported_at", _("报修时间"), width=18), ExportColumn("site_city", _("现场城市")),
               ExportColumn("status", _("状态"), value=lambda t: t.get_status_display()),
               ExportColumn("responded_at", _("响应时间"), width=18), ExportColumn("on_site_at", _("到场时间"), width=18),
               ExportColumn("resolved_at", _("解决时间"), width=18), ExportColumn("problem", _("问题描述"), width=40)]
    label = _("售后工单")
    return export_xlsx(user=request.user, list_name="service.tickets", list_label=label, columns=columns,
                       rows=tickets(user=request.user).order_by("-reported_at").iterator(), filters={},
                       filename=export_response_name(label, request.user))
