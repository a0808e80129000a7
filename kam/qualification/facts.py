"""A2.1 / A5.1 facts per customer over a review period, computed set-based (a handful of aggregate
queries for all customers, never one per customer)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from kam.customers.models import Contract, Customer
from kam.orders.models import Order, OrderReturn, OrderStatus, QualityDispute
from kam.receivables.models import Invoice, Payment, PaymentAllocation

ZERO = Decimal("0.00")
TWO = Decimal("0.01")


def money(value) -> Decimal:
    """SQLite sums decimals loosely; every amount here is yuan with 2 places."""
    return (Decimal(value) if value is not None else ZERO).quantize(TWO)


def add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February → 28 February
        return d.replace(year=d.year + years, day=28)


def review_period(*, year: int, review_month: int, period_months: int) -> tuple[date, date]:
    """A5.1: the period is the `period_months` months ending at the cut-off, the last day of the month
    before the review month (a December review covers December of last year to November)."""
    cutoff = date(year, review_month, 1) - timedelta(days=1)
    return months_back(cutoff, period_months), cutoff


def months_back(cutoff: date, months: int) -> date:
    """First day of the period of `months` whole months ending with cutoff's month."""
    total = cutoff.year * 12 + (cutoff.month - 1) - (months - 1)
    return date(total // 12, total % 12 + 1, 1)


@dataclass
class Facts:
    customer_id: int
    amount: Decimal = ZERO
    ordered: Decimal = ZERO
    returned: Decimal = ZERO
    returns: int = 0
    cooperation_start: date | None = None
    cooperation_days: int | None = None
    invoices_due: int = 0
    invoices_on_time: int = 0
    deliveries: int = 0
    deliveries_on_time: int = 0
    disputes: int = 0
    open_disputes: int = 0
    potential: bool = False
    potential_note: str = ""
    influence: bool = False
    influence_note: str = ""

    @property
    def on_time_payment_ratio(self) -> Decimal | None:
        if not self.invoices_due:
            return None
        return (Decimal(self.invoices_on_time) / Decimal(self.invoices_due)).quantize(Decimal("0.0001"))

    @property
    def on_time_delivery_ratio(self) -> Decimal | None:
        if not self.deliveries:
            return None
        return (Decimal(self.deliveries_on_time) / Decimal(self.deliveries)).quantize(Decimal("0.0001"))

    def as_json(self) -> dict:
        def d(v):
            return v.isoformat() if v is not None else None

        ratio_p, ratio_d = self.on_time_payment_ratio, self.on_time_delivery_ratio
        return {"amount": str(self.amount), "ordered": str(self.ordered), "returned": str(self.returned),
                "returns": self.returns, "cooperation_start": d(self.cooperation_start),
                "cooperation_days": self.cooperation_days, "invoices_due": self.invoices_due,
                "invoices_on_time": self.invoices_on_time, "deliveries": self.deliveries,
                "deliveries_on_time": self.deliveries_on_time, "disputes": self.disputes,
                "open_disputes": self.open_disputes, "potential": self.potential, "influence": self.influence,
                "on_time_payment_ratio": str(ratio_p) if ratio_p is not None else None,
                "on_time_delivery_ratio": str(ratio_d) if ratio_d is not None else None}

    def digest(self, data: dict | None = None) -> str:
        payload = json.dumps(data if data is not None else self.as_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha1(payload.encode()).hexdigest()  # noqa: S324 - change detection, not security


def purchase_amounts(*, start: date, end: date, basis: str) -> dict[int, Decimal]:
    """A2.1 purchase amount per customer (net of returns, cancelled orders excluded) — two aggregate queries;
    the first pass of a draft, to know which customers need the full facts."""
    if basis == "invoiced":
        base = Invoice.objects.filter(issue_date__gte=start, issue_date__lte=end)
    elif basis == "paid":
        base = Payment.objects.filter(paid_on__gte=start, paid_on__lte=end)
    else:
        base = Order.objects.filter(order_date__gte=start, order_date__lte=end).exclude(status=OrderStatus.CANCELLED)
    amounts = {cid: money(s) for cid, s in base.values("customer_id").annotate(s=Sum("amount")).values_list(
        "customer_id", "s")}
    for cid, s in OrderReturn.objects.filter(returned_on__gte=start, returned_on__lte=end).values(
            "customer_id").annotate(s=Sum("amount")).values_list("customer_id", "s"):
        amounts[cid] = amounts.get(cid, ZERO) - money(s)
    return amounts


def compute_facts(*, start: date, end: date, basis: str, customers=None) -> dict[int, Facts]:
    """Facts for every customer with activity (or in `customers`, a queryset or id list), period [start, end]."""
    in_period = Q(order_date__gte=start, order_date__lte=end)

    def scoped(qs, field="customer_id"):
        return qs if customers is None else qs.filter(**{f"{field}__in": customers})

    facts: dict[int, Facts] = {}

    def get(cid: int) -> Facts:
        f = facts.get(cid)
        if f is None:
            f = facts[cid] = Facts(customer_id=cid)
        return f

    # 1. orders: amount in period, first order ever, delivery performance — one GROUP BY
    not_cancelled = ~Q(status=OrderStatus.CANCELLED)
    rows = scoped(Order.objects.filter(not_cancelled)).values("customer_id").annotate(
        ordered=Sum("amount", filter=in_period),
        first=Min("order_date"),
        deliveries=Count("id", filter=in_period & Q(actual_delivery_date__isnull=False,
                                                   promised_delivery_date__isnull=False)),
        on_time=Count("id", filter=in_period & Q(actual_delivery_date__isnull=False,
                                                promised_delivery_date__isnull=False,
                                                actual_delivery_date__lte=F("promised_delivery_date"))),
    )
    for r in rows:
        f = get(r["customer_id"])
        f.ordered = money(r["ordered"])
        f.cooperation_start = r["first"]
        f.deliveries, f.deliveries_on_time = r["deliveries"], r["on_time"]
    # 2. returns in the period (net of returns, A2.1)
    for r in scoped(OrderReturn.objects.filter(returned_on__gte=start, returned_on__lte=end)).values(
            "customer_id").annotate(s=Sum("amount"), n=Count("id")):
        f = get(r["customer_id"])
        f.returned, f.returns = money(r["s"]), r["n"]
    # 3. the amount basis (A2.1): ordered (default), invoiced or paid
    if basis == "invoiced":
        base = {r["customer_id"]: r["s"] for r in scoped(Invoice.objects.filter(
            issue_date__gte=start, issue_date__lte=end)).values("customer_id").annotate(s=Sum("amount"))}
    elif basis == "paid":
        base = {r["customer_id"]: r["s"] for r in scoped(Payment.objects.filter(
            paid_on__gte=start, paid_on__lte=end)).values("customer_id").annotate(s=Sum("amount"))}
    else:
        base = {cid: f.ordered for cid, f in facts.items()}
    for cid in base:
        get(cid)
    for cid, f in facts.items():
        f.amount = money(base.get(cid)) - f.returned
    # 4. on-time payment: invoices due in the period, paid in full by their due date
    paid_by_due = Subquery(PaymentAllocation.objects.filter(
        invoice=OuterRef("pk"), payment__paid_on__lte=OuterRef("due_date")).values("invoice").annotate(
        s=Sum("amount")).values("s"), output_field=DecimalField())
    for r in scoped(Invoice.objects.filter(due_date__gte=start, due_date__lte=end)).annotate(
            paid=Coalesce(paid_by_due, Value(ZERO), output_field=DecimalField())).values("customer_id").annotate(
            n=Count("id"), ok=Count("id", filter=Q(paid__gte=F("amount")))):
        f = get(r["customer_id"])
        f.invoices_due, f.invoices_on_time = r["n"], r["ok"]
    # 5. quality disputes opened in the period; open at the end of it
    for r in scoped(QualityDispute.objects.filter(opened_on__lte=end)).values("customer_id").annotate(
            n=Count("id", filter=Q(opened_on__gte=start)),
            open=Count("id", filter=Q(closed_on__isnull=True) | Q(closed_on__gt=end), output_field=IntegerField())):
        f = get(r["customer_id"])
        f.disputes, f.open_disputes = r["n"], r["open"]
    # 6. cooperation start (A2.1): earlier of first order and first contract, or sales' recorded earlier start
    for r in scoped(Contract.objects.all()).values("customer_id").annotate(first=Min("start_on")):
        f = get(r["customer_id"])
        if f.cooperation_start is None or r["first"] < f.cooperation_start:
            f.cooperation_start = r["first"]
    customer_rows = Customer.objects.filter(pk__in=list(facts)) if customers is None else Customer.objects.filter(
        pk__in=customers)
    for c in customer_rows.values("id", "cooperation_start_override", "purchase_potential", "purchase_potential_note",
                                  "industry_influence", "industry_influence_note"):
        f = get(c["id"])
        override = c["cooperation_start_override"]
        if override and (f.cooperation_start is None or override < f.cooperation_start):
            f.cooperation_start = override
        f.potential, f.potential_note = c["purchase_potential"], c["purchase_potential_note"]
        f.influence, f.influence_note = c["industry_influence"], c["industry_influence_note"]
    for f in facts.values():
        if f.cooperation_start is not None:
            f.cooperation_days = (end - f.cooperation_start).days
    return facts
