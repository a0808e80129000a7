"""Import kinds of receivables: invoices and payments (finance imports these too)."""

from __future__ import annotations

import re
from decimal import Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.customers.imports import CUSTOMER_REF, check_customer_refs, customer_model_handler
from kam.exchange.handlers import check_duplicate_keys, filter_in
from kam.exchange.pipeline import ImportContext, Row
from kam.exchange.registry import Column, Handler, ImportKind, register
from kam.orders.models import Order
from kam.receivables.models import Invoice, Payment, PaymentAllocation
from kam.users.models import Role

FINANCE = (Role.HEAD_OF_SALES, Role.FINANCE)


def _invoice_validate(row: Row, ctx: ImportContext) -> bool:
    v = row.values
    if v["due_date"] < v["issue_date"]:
        ctx.error(row, "due_date", _("不能早于开票日期"))
        return False
    if v["amount"] <= 0:
        ctx.error(row, "amount", _("必须大于 0"))
        return False
    if v.get("order"):
        cache = ctx.cache.setdefault("order_ids", {})
        if v["order"] not in cache:
            cache[v["order"]] = Order.objects.filter(number=v["order"]).values_list("id", "customer_id").first()
        found = cache[v["order"]]
        if found is None:
            ctx.error(row, "order", _("找不到订单 %(n)s") % {"n": v["order"]})
            return False
        if found[1] != v["customer_id"]:
            ctx.error(row, "order", _("订单 %(n)s 不属于该客户") % {"n": v["order"]})
            return False
        v["order_id"] = found[0]
    else:
        v["order_id"] = None
    return True


register(ImportKind(
    name="invoices", label=_l("发票"), key=("number",), roles=FINANCE,
    columns=[
        Column("number", _l("发票号码"), "Invoice number", required=True, max_length=60, example="04400123456789",
               aliases=("发票号", "单据编号")),
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("order", _l("订单编号"), "Order number", example="SO-2026-000123", aliases=("源单编号",)),
        Column("issue_date", _l("开票日期"), "Issued on", type="date", required=True, example="2026-04-15",
               aliases=("发票日期", "单据日期")),
        Column("due_date", _l("到期日"), "Due date", type="date", required=True, example="2026-06-14",
               aliases=("到期日期", "收款到期日")),
        Column("amount", _l("金额（元）"), "Amount", type="money", required=True, example="393,600.00",
               aliases=("价税合计", "含税金额", "发票金额")),
    ],
    handler=customer_model_handler(Invoice, key=("number",), fields=("number", "customer", "order", "issue_date", "due_date",
                                                          "amount"), fks=("customer", "order"),
                         validate=_invoice_validate),
    description=_l("应收账款的依据（A5.1 按时回款率，A17 账龄预警）。")))

_SPLIT = re.compile(r"[;；,，、\s]+")


class PaymentHandler(Handler):
    """Payments keyed by reference; the listed invoices are settled in order up to the payment amount."""

    def prepare(self, rows, ctx):
        rows = check_customer_refs(rows, ctx)
        numbers = {n for r in rows for n in _SPLIT.split(r.values.get("invoices") or "") if n}
        invoices = {i.number: i for i in filter_in(Invoice.objects.all(), "number", numbers)}
        valid = []
        for row in rows:
            v = row.values
            if v["amount"] <= 0:
                ctx.error(row, "amount", _("必须大于 0"))
                continue
            wanted = [n for n in _SPLIT.split(v.get("invoices") or "") if n]
            missing = [n for n in wanted if n not in invoices or invoices[n].customer_id != v["customer_id"]]
            if missing:
                ctx.error(row, "invoices", _("找不到该客户的发票 %(n)s") % {"n": "、".join(missing)})
                continue
            v["invoice_objs"] = [invoices[n] for n in wanted]
            valid.append(row)
        return check_duplicate_keys(valid, ctx, lambda r: r.values["reference"], "reference")

    def apply(self, rows, ctx):
        existing = {p.reference: p for p in filter_in(Payment.objects.all(), "reference",
                                                      (r.values["reference"] for r in rows))}
        for row in rows:
            v = row.values
            payment = existing.get(v["reference"])
            wanted = [i.pk for i in v["invoice_objs"]]
            if payment is not None:
                current = list(payment.allocations.order_by("id").values_list("invoice_id", flat=True))
                same = (payment.customer_id == v["customer_id"] and payment.paid_on == v["paid_on"]
                        and payment.amount == v["amount"] and current == wanted)
                if same:
                    ctx.counts["unchanged"] += 1
                    continue
                changes = {f: {"old": str(getattr(payment, f)), "new": str(v[f])}
                           for f in ("paid_on", "amount") if getattr(payment, f) != v[f]}
                changes["invoices"] = {"old": current, "new": wanted}
                payment.customer_id, payment.paid_on, payment.amount = v["customer_id"], v["paid_on"], v["amount"]
                payment.save(update_fields=["customer", "paid_on", "amount"])
                payment.allocations.all().delete()
                ctx.audit_update(payment, changes)
                ctx.counts["updated"] += 1
            else:
                payment = Payment.objects.create(customer_id=v["customer_id"], reference=v["reference"],
                                                 paid_on=v["paid_on"], amount=v["amount"])
                ctx.counts["created"] += 1
            remaining = payment.amount
            for invoice in v["invoice_objs"]:
                paid = invoice.allocations.aggregate(s=Sum("amount"))["s"] or Decimal("0")
                part = min(remaining, invoice.amount - paid)
                if part > 0:
                    PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=part)
                    remaining -= part


register(ImportKind(
    name="payments", label=_l("收款"), key=("reference",), roles=FINANCE,
    columns=[
        Column("reference", _l("收款单号"), "Payment reference", required=True, max_length=60, example="SK-2026-0456",
               aliases=("收款单编号", "单据编号")),
        Column("customer", _l("客户"), "Customer", example="91440604MA4UJ5XK1N", **CUSTOMER_REF),
        Column("paid_on", _l("收款日期"), "Paid on", type="date", required=True, example="2026-06-10",
               aliases=("到账日期", "单据日期")),
        Column("amount", _l("金额（元）"), "Amount", type="money", required=True, example="393,600.00",
               aliases=("收款金额", "本币金额")),
        Column("invoices", _l("核销发票号码"), "Invoices settled", example="04400123456789",
               note=_l("多张发票用分号分隔，按顺序核销"), aliases=("核销发票", "发票号码")),
    ],
    handler=PaymentHandler(), description=_l("收款及其核销的发票（A5.1 按时回款率，A17）。")))
