"""Import kind: after-sales tickets from another system (A11), keyed by ticket number."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.customers.imports import CUSTOMER_REF, check_customer_refs
from kam.exchange.handlers import ModelHandler
from kam.exchange.pipeline import ImportContext, Row
from kam.exchange.registry import Column, ImportKind, register
from kam.service.models import Ticket, TicketStatus
from kam.users.models import Role

FIELDS = ("number", "customer", "reported_at", "problem", "site_city", "site_address", "product_ref", "onsite_needed",
          "status", "responded_at", "on_site_at", "resolved_at", "closed_at")


def _validate(row: Row, ctx: ImportContext) -> bool:
    from django.utils import timezone

    from kam.qualification.selectors import is_key_account

    v = row.values
    now = timezone.now()
    if v["reported_at"] > now:
        ctx.error(row, "reported_at", _("报修时间不能晚于现在（A11.1）"))
        return False
    if not is_key_account(v["customer_id"], at=v["reported_at"]):
        ctx.error(row, "customer", _("报修时该客户不是大客户，不走绿色通道（A11）"))
        return False
    for f in ("responded_at", "on_site_at", "resolved_at", "closed_at"):
        if v.get(f) and v[f] < v["reported_at"]:
            ctx.error(row, f, _("不能早于报修时间"))
            return False
    if not v.get("site_city"):
        v["site_city"] = ""
    v.setdefault("status", None)
    if not v.get("status"):
        v["status"] = (TicketStatus.CLOSED if v.get("closed_at") else TicketStatus.RESOLVED if v.get("resolved_at")
                       else TicketStatus.ON_SITE if v.get("on_site_at") else TicketStatus.RESPONDED
                       if v.get("responded_at") else TicketStatus.NEW)
    return True


class TicketHandler(ModelHandler):
    def apply(self, rows, ctx):
        from django.utils import timezone

        for row in rows:
            if not row.values.get("site_city"):
                from kam.customers.models import Customer

                row.values["site_city"] = Customer.objects.filter(pk=row.values["customer_id"]).values_list(
                    "city", flat=True).first() or ""
        self.defaults = {"created_at": timezone.now()}
        super().apply(rows, ctx)


register(ImportKind(
    name="tickets", label=_l("售后工单"), key=("number",), roles=(Role.HEAD_OF_SALES, Role.AFTER_SALES),
    columns=[
        Column("number", _l("工单号"), "Ticket number", required=True, max_length=40, example="SH20261102-001",
               aliases=("服务单号", "单据编号")),
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("reported_at", _l("报修时间"), "Reported at", type="datetime", required=True, example="2026-11-02 09:30",
               aliases=("受理时间", "报修日期")),
        Column("problem", _l("问题描述"), "Problem", required=True, example="客房床头板开裂", aliases=("故障描述",)),
        Column("site_city", _l("现场城市"), "Site city", max_length=30, example="佛山"),
        Column("site_address", _l("现场地址"), "Site address", max_length=200),
        Column("product_ref", _l("产品/订单"), "Product / order", max_length=120),
        Column("onsite_needed", _l("需要上门"), "On site needed", type="bool", example="是"),
        Column("status", _l("状态"), "Status", type="choice",
               choices=tuple((str(label), value) for value, label in TicketStatus.choices)),
        Column("responded_at", _l("响应时间"), "Responded at", type="datetime"),
        Column("on_site_at", _l("到场时间"), "On site at", type="datetime"),
        Column("resolved_at", _l("解决时间"), "Resolved at", type="datetime"),
        Column("closed_at", _l("关闭时间"), "Closed at", type="datetime"),
    ],
    handler=TicketHandler(Ticket, refs=("customer",), resolve=check_customer_refs, key=("number",), fields=FIELDS,
                          validate=_validate),
    description=_l("从其他系统导入售后工单；时限按报修时间计算（A11.1、A11.2）。")))
