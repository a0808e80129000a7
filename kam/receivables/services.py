from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import ApplicationError
from kam.customers.models import Customer
from kam.receivables.models import Invoice, Payment, PaymentAllocation
from kam.users.models import Role, User

TWO = Decimal("0.01")
WRITERS = (Role.FINANCE, Role.HEAD_OF_SALES)


@transaction.atomic
def invoice_create(*, actor: User | None, customer: Customer, number: str, issue_date: date, due_date: date,
                   amount: Decimal, order=None) -> Invoice:
    if actor is not None:
        require_role(actor, *WRITERS)
    if Invoice.objects.filter(number=number).exists():
        raise ApplicationError(_("发票号码 %(n)s 已存在。") % {"n": number}, field="number")
    if due_date < issue_date:
        raise ApplicationError(_("「到期日」不能早于开票日期。"), field="due_date")
    if amount <= 0:
        raise ApplicationError(_("「金额」必须大于 0。"), field="amount")
    invoice = Invoice.objects.create(customer=customer, number=number, issue_date=issue_date, due_date=due_date,
                                     amount=amount.quantize(TWO), order=order)
    audit_log(actor=actor, action="receivables.invoice.created", target=invoice,
              changes={"customer": customer.pk, "amount": invoice.amount, "due_date": due_date})
    return invoice


@transaction.atomic
def payment_record(*, actor: User | None, customer: Customer, reference: str, paid_on: date, amount: Decimal,
                   allocations: list[tuple[Invoice, Decimal]] | None = None) -> Payment:
    if actor is not None:
        require_role(actor, *WRITERS)
    if Payment.objects.filter(reference=reference).exists():
        raise ApplicationError(_("收款单号 %(n)s 已存在。") % {"n": reference}, field="reference")
    if amount <= 0:
        raise ApplicationError(_("「金额」必须大于 0。"), field="amount")
    allocations = allocations or []
    if sum((a for _i, a in allocations), Decimal("0")) > amount:
        raise ApplicationError(_("核销金额合计超过收款金额。"), field="allocations")
    payment = Payment.objects.create(customer=customer, reference=reference, paid_on=paid_on,
                                     amount=amount.quantize(TWO))
    for invoice, part in allocations:
        if invoice.customer_id != customer.pk:
            raise ApplicationError(_("发票 %(n)s 不属于该客户。") % {"n": invoice.number}, field="allocations")
        paid = invoice.allocations.aggregate(s=Sum("amount"))["s"] or Decimal("0")
        if paid + part > invoice.amount:
            raise ApplicationError(_("发票 %(n)s 的核销金额超过发票金额。") % {"n": invoice.number},
                                   field="allocations")
        PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=part.quantize(TWO))
    audit_log(actor=actor, action="receivables.payment.recorded", target=payment,
              changes={"customer": customer.pk, "amount": payment.amount,
                       "invoices": [i.number for i, _a in allocations]})
    return payment
