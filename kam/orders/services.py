from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import ApplicationError
from kam.customers.models import Customer
from kam.orders.models import Order, OrderLine, OrderReturn, OrderStatus, QualityDispute
from kam.users.models import Role, User

TWO = Decimal("0.01")


@dataclass(frozen=True)
class LineIn:
    product_series: str
    product_model: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal | None = None


@transaction.atomic
def order_create(*, actor: User | None, customer: Customer, number: str, order_date: date, lines: list[LineIn],
                 status: str = OrderStatus.OPEN, promised_delivery_date: date | None = None,
                 actual_delivery_date: date | None = None, note: str = "") -> Order:
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES)
    if not number.strip():
        raise ApplicationError(_("「订单编号」不能为空。"), field="number")
    if status not in OrderStatus.values:
        raise ApplicationError(_("「状态」无效：%(s)s") % {"s": status}, field="status")
    if Order.objects.filter(number=number).exists():
        raise ApplicationError(_("订单编号 %(n)s 已存在。") % {"n": number}, field="number")
    if not lines:
        raise ApplicationError(_("订单至少需要一行。"), field="lines")
    rows = []
    for i, line in enumerate(lines, start=1):
        if line.quantity <= 0:
            raise ApplicationError(_("第 %(i)d 行「数量」必须大于 0。") % {"i": i}, field="quantity")
        amount = (line.amount if line.amount is not None else line.quantity * line.unit_price).quantize(TWO)
        rows.append(OrderLine(product_series=line.product_series, product_model=line.product_model,
                              quantity=line.quantity, unit_price=line.unit_price.quantize(TWO), amount=amount))
    order = Order.objects.create(customer=customer, number=number, status=status, order_date=order_date,
                                 promised_delivery_date=promised_delivery_date,
                                 actual_delivery_date=actual_delivery_date, note=note,
                                 amount=sum((r.amount for r in rows), Decimal("0")))
    for r in rows:
        r.order = order
    OrderLine.objects.bulk_create(rows)
    audit_log(actor=actor, action="orders.order.created", target=order,
              changes={"customer": customer.pk, "amount": order.amount, "lines": len(rows)})
    return order


@transaction.atomic
def order_return_record(*, actor: User | None, order: Order, returned_on: date, amount: Decimal,
                        reason: str = "") -> OrderReturn:
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES)
    if amount <= 0 or amount > order.amount:
        raise ApplicationError(_("「退货金额」应大于 0 且不超过订单金额。"), field="amount")
    ret = OrderReturn.objects.create(order=order, customer_id=order.customer_id, returned_on=returned_on,
                                     amount=amount.quantize(TWO), reason=reason)
    audit_log(actor=actor, action="orders.return.recorded", target=order, changes={"amount": amount})
    return ret


@transaction.atomic
def quality_dispute_open(*, actor: User | None, order: Order, opened_on: date, summary: str) -> QualityDispute:
    if actor is not None:
        require_role(actor, Role.HEAD_OF_SALES, Role.AFTER_SALES)
    if not summary.strip():
        raise ApplicationError(_("「摘要」不能为空。"), field="summary")
    dispute = QualityDispute.objects.create(order=order, customer_id=order.customer_id, opened_on=opened_on,
                                            summary=summary)
    audit_log(actor=actor, action="orders.quality_dispute.opened", target=dispute)
    return dispute
