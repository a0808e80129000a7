"""Receivables on a customer's page: the header's open and overdue receivables (open = invoice amount − the
payments allocated to it; overdue = open past its due date, A17.1) and the invoices and payments of the activity
timeline (kam.customers.panels) — subqueries of the page's one figures query, one query per timeline kind,
scoped to the user."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.customers.panels import Entry, Figure, day_entry_at, days_within, entries_loader, subtotal
from kam.customers.selectors import customers_visible
from kam.receivables.models import Invoice, Payment, PaymentAllocation

ZERO = Decimal("0")
MONEY = DecimalField(max_digits=18, decimal_places=2)


def yuan(amount: Decimal) -> str:
    return f"¥{amount.quantize(Decimal('1')):,}"


def invoices_visible(*, user) -> QuerySet[Invoice]:
    return Invoice.objects.filter(customer__in=customers_visible(user=user))


def with_open_amount(qs: QuerySet[Invoice]) -> QuerySet[Invoice]:
    """Each invoice's open amount: its amount less the payments allocated to it (one subquery)."""
    allocated = (PaymentAllocation.objects.filter(invoice=OuterRef("pk")).order_by().values("invoice")
                 .annotate(s=Sum("amount")).values("s"))
    return qs.annotate(open_amount=ExpressionWrapper(
        F("amount") - Coalesce(Subquery(allocated, output_field=MONEY), Value(ZERO, output_field=MONEY)),
        output_field=MONEY))


def receivable_values(*, user, customer, now: dt.datetime) -> dict:
    """A17.1 open and overdue receivables — subqueries of the customer's row."""
    today = timezone.localdate(now)
    invoices = with_open_amount(Invoice.objects.filter(customer=customer))  # the row is scoped (load_figures)
    open_rows = Q(open_amount__gt=0)
    overdue = open_rows & Q(due_date__lt=today)
    return {"open": subtotal(invoices, Sum("open_amount", filter=open_rows)),
            "open_n": subtotal(invoices, Count("id", filter=open_rows)),
            "overdue": subtotal(invoices, Sum("open_amount", filter=overdue)),
            "oldest": subtotal(invoices, Min("due_date", filter=overdue))}


def receivable_figures(r: dict, *, user, customer, now: dt.datetime) -> list[Figure]:
    today = timezone.localdate(now)
    open_amount, overdue_amount, open_n = r["open"] or ZERO, r["overdue"] or ZERO, r["open_n"] or 0
    note = _("%(n)d 张发票") % {"n": open_n} if open_n else _("没有未收款项")
    overdue_note = _("最早到期 %(d)s，已逾期 %(n)d 天") % {
        "d": r["oldest"].isoformat(), "n": (today - r["oldest"]).days} if r["oldest"] else ""
    return [
        Figure("receivable_open", _("应收未收"), yuan(open_amount), note=note, order=30),
        Figure("receivable_overdue", _("逾期应收"), yuan(overdue_amount), note=overdue_note,
               tone="bad" if overdue_amount > 0 else "ok", order=31),
    ]


INVOICE_FIELDS = ["number", "amount", "issue_date", "due_date", "open_amount"]


def invoice_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    if person is not None:
        return None  # invoices come from the ERP: no staff member did them
    qs = with_open_amount(invoices_visible(user=user).filter(customer=customer))
    first, last = days_within(since, until)
    if first is not None:
        qs = qs.filter(issue_date__gte=first)
    if last is not None:
        qs = qs.filter(issue_date__lte=last)
    return qs.order_by("-issue_date", "-id")[:limit], INVOICE_FIELDS


def invoice_entry(i: Invoice) -> Entry:
    today = timezone.localdate()
    left, due = i.open_amount, i.due_date  # type: ignore[attr-defined]
    if left <= 0:
        state, tone = _("已收清"), ""
    elif due < today:
        state, tone = _("逾期 %(n)d 天，未收 %(a)s") % {"n": (today - due).days, "a": yuan(left)}, "bad"
    else:
        state, tone = _("未收 %(a)s") % {"a": yuan(left)}, ""
    title = _("发票 %(n)s · %(a)s") % {"n": i.number, "a": yuan(i.amount)}
    return Entry("invoices", day_entry_at(i.issue_date), title,
                 _("到期 %(d)s · %(s)s") % {"d": due.isoformat(), "s": state}, day_only=True, tone=tone)


PAYMENT_FIELDS = ["reference", "amount", "paid_on"]


def payment_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    if person is not None:
        return None
    qs = Payment.objects.filter(customer__in=customers_visible(user=user), customer=customer)
    first, last = days_within(since, until)
    if first is not None:
        qs = qs.filter(paid_on__gte=first)
    if last is not None:
        qs = qs.filter(paid_on__lte=last)
    return qs.order_by("-paid_on", "-id")[:limit], PAYMENT_FIELDS


def payment_entry(p: Payment) -> Entry:
    return Entry("payments", day_entry_at(p.paid_on), _("收款 %(r)s · %(a)s") % {"r": p.reference, "a": yuan(p.amount)},
                 day_only=True, tone="ok")


invoice_activity = entries_loader(invoice_query, invoice_entry)
payment_activity = entries_loader(payment_query, payment_entry)
