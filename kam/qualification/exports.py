"""Excel export of the key-account list through the audited, watermarked export (A7.2, A18.2)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kam.core.access import login_required
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx
from kam.qualification.selectors import key_accounts


@login_required
def key_accounts_export(request):
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
