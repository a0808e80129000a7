"""Excel exports of the other lists, all through the one audited, watermarked export (A7.2, A18.2)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx


@login_required
def key_accounts_export(request):
    from kam.qualification.selectors import key_accounts

    rows = key_accounts(user=request.user).order_by("name")
    tier = request.GET.get("tier", "")
    if tier in ("core", "ordinary"):
        rows = rows.filter(tier=tier)
    columns = [ExportColumn("name", _("客户名称"), width=30), ExportColumn("credit_code", _("统一社会信用代码"), width=22),
               ExportColumn("tier", _("层级"), value=lambda c: _("核心大客户") if c.tier == "core" else _("普通大客户")),
               ExportColumn("city", _("城市")),
               ExportColumn("account_manager", _("客户经理"), value=lambda c: str(c.account_manager or ""))]
    label = _("大客户名单")
    return export_xlsx(user=request.user, list_name="qualification.key_accounts", list_label=label, columns=columns,
                       rows=rows.iterator(), filters={"tier": tier}, filename=export_response_name(label, request.user))


@login_required
def tickets_export(request):
    from kam.service.selectors import tickets

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


@login_required
def requests_export(request):
    from kam.demands.selectors import requests_visible

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
