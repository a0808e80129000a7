"""Excel export of customer requests through the audited, watermarked export (A7.2, A18.2)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.demands.selectors import requests_visible
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx


@login_required
def requests_export(request):
    columns = [ExportColumn("received_at", _("收到时间"), width=18),
               ExportColumn("customer", _("客户"), value=lambda r: r.customer.name, width=28),
               ExportColumn("kind", _("类型"), value=lambda r: r.get_kind_display()),
               ExportColumn("status", _("状态"), value=lambda r: r.get_status_display()),
               ExportColumn("summary", _("需求内容"), width=40), ExportColumn("responded_at", _("首次响应"), width=18),
               ExportColumn("solution_at", _("初步方案"), width=18),
               ExportColumn("department", _("负责部门"), value=lambda r: r.get_department_display())]
    label = _("客户需求")
    return export_xlsx(user=request.user, list_name="demands.requests", list_label=label, columns=columns,
                       rows=requests_visible(user=request.user).order_by("-received_at").iterator(), filters={},
                       filename=export_response_name(label, request.user))
