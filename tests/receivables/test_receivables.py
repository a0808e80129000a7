"""Receivables: invoices and payments (finance and the head of sales record them, audited, refused with the
field named and nothing written), allocation of payments to invoices, and the on-time payment facts that
qualification reads (A5.2: an invoice due in the period counts as paid on time when payments allocated to it by
its due date cover it in full)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.audit.models import AuditEvent
from kam.core.errors import AccessDenied, ApplicationError
from kam.qualification.criteria import Criteria, performs_well
from kam.qualification.facts import compute_facts
from kam.receivables.models import Invoice, Payment, PaymentAllocation
from kam.receivables.services import invoice_create, payment_record
from tests.factories import CustomerFactory, InvoiceFactory, OrderFactory, PaymentFactory

pytestmark = pytest.mark.django_db

D = Decimal
PERIOD = {"start": date(2025, 12, 1), "end": date(2026, 11, 30), "basis": "ordered"}


# --- invoices ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("who", ["fin", "head"])
def test_finance_and_the_head_of_sales_record_invoices_audited(users, who):
    c = CustomerFactory()
    order = OrderFactory(customer=c)
    inv = invoice_create(actor=getattr(users, who), customer=c, number="INV-1", issue_date=date(2026, 3, 2),
                         due_date=date(2026, 4, 1), amount=D("1234.5"), order=order)
    inv.refresh_from_db()
    assert inv.amount == D("1234.50") and inv.order == order and inv.customer == c
    event = AuditEvent.objects.get(action="receivables.invoice.created", target_id=str(inv.pk))
    assert event.actor == getattr(users, who) and event.changes["customer"] == c.pk


@pytest.mark.parametrize("who", ["am1", "mgmt", "mkt", "svc", "admin"])
def test_other_roles_may_not_record_invoices_or_payments(users, who):
    c = CustomerFactory()
    actor = getattr(users, who)
    with pytest.raises(AccessDenied):
        invoice_create(actor=actor, customer=c, number="INV-1", issue_date=date(2026, 3, 2),
                       due_date=date(2026, 4, 1), amount=D("1"))
    with pytest.raises(AccessDenied):
        payment_record(actor=actor, customer=c, reference="P-1", paid_on=date(2026, 3, 2), amount=D("1"))
    assert not Invoice.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("kwargs,field", [
    ({"due_date": date(2026, 3, 1)}, "due_date"),
    ({"amount": D("0")}, "amount"),
    ({"amount": D("-5")}, "amount"),
])
def test_invoice_input_refused_naming_the_field(users, kwargs, field):
    values = {"number": "INV-2", "issue_date": date(2026, 3, 2), "due_date": date(2026, 4, 1), "amount": D("10"),
              **kwargs}
    with pytest.raises(ApplicationError) as exc:
        invoice_create(actor=users.fin, customer=CustomerFactory(), **values)
    assert exc.value.field == field and not str(exc.value).isascii()
    assert not Invoice.objects.exists()


def test_invoice_numbers_are_unique(users):
    InvoiceFactory(number="INV-7")
    with pytest.raises(ApplicationError) as exc:
        InvoiceFactory(number="INV-7")
    assert exc.value.field == "number" and "INV-7" in str(exc.value)


def test_an_invoice_due_on_its_issue_day_is_accepted(users):
    inv = invoice_create(actor=users.fin, customer=CustomerFactory(), number="INV-3", issue_date=date(2026, 3, 2),
                         due_date=date(2026, 3, 2), amount=D("1"))
    assert inv.due_date == inv.issue_date


# --- payments and allocation ---------------------------------------------------------------------------------

def test_a_payment_is_allocated_to_invoices_and_may_leave_an_unapplied_rest(users):
    c = CustomerFactory()
    a, b = InvoiceFactory(customer=c, amount=D("600")), InvoiceFactory(customer=c, amount=D("500"))
    p = payment_record(actor=users.fin, customer=c, reference="P-1", paid_on=date(2026, 3, 20), amount=D("1000"),
                       allocations=[(a, D("600")), (b, D("300"))])
    rows = sorted(PaymentAllocation.objects.filter(payment=p).values_list("invoice__number", "amount"))
    assert rows == sorted([(a.number, D("600.00")), (b.number, D("300.00"))])
    event = AuditEvent.objects.get(action="receivables.payment.recorded", target_id=str(p.pk))
    assert event.changes["invoices"] == [a.number, b.number] and event.actor == users.fin


def test_allocations_may_not_exceed_the_payment(users):
    c = CustomerFactory()
    inv = InvoiceFactory(customer=c, amount=D("1000"))
    with pytest.raises(ApplicationError) as exc:
        PaymentFactory(customer=c, amount=D("100"), allocations=[(inv, D("60")), (inv, D("40.01"))])
    assert exc.value.field == "allocations"
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()


def test_an_invoice_is_never_allocated_beyond_its_amount_across_payments(users):
    c = CustomerFactory()
    inv = InvoiceFactory(customer=c, amount=D("1000"))
    PaymentFactory(customer=c, reference="P-A", amount=D("600"), allocations=[(inv, D("600"))])
    with pytest.raises(ApplicationError) as exc:
        PaymentFactory(customer=c, reference="P-B", amount=D("500"), allocations=[(inv, D("400.01"))])
    assert exc.value.field == "allocations" and inv.number in str(exc.value)
    assert not Payment.objects.filter(reference="P-B").exists()  # the whole payment is rolled back
    PaymentFactory(customer=c, reference="P-C", amount=D("500"), allocations=[(inv, D("400"))])
    assert sum(inv.allocations.values_list("amount", flat=True)) == D("1000.00")


def test_a_payment_may_not_settle_another_customer_s_invoice_and_nothing_is_written(users):
    mine, theirs = CustomerFactory(), CustomerFactory()
    foreign = InvoiceFactory(customer=theirs)
    own = InvoiceFactory(customer=mine)
    with pytest.raises(ApplicationError) as exc:
        payment_record(actor=users.fin, customer=mine, reference="P-X", paid_on=date(2026, 3, 20), amount=D("2000"),
                       allocations=[(own, D("1000")), (foreign, D("1000"))])
    assert exc.value.field == "allocations" and foreign.number in str(exc.value)
    assert not Payment.objects.exists() and not PaymentAllocation.objects.exists()
    assert not AuditEvent.objects.filter(action="receivables.payment.recorded").exists()


@pytest.mark.parametrize("kwargs,field", [({"amount": D("0")}, "amount"), ({"reference": "P-DUP"}, "reference")])
def test_payment_input_refused_naming_the_field(users, kwargs, field):
    PaymentFactory(reference="P-DUP")
    values = {"reference": "P-NEW", "paid_on": date(2026, 3, 20), "amount": D("10"), **kwargs}
    with pytest.raises(ApplicationError) as exc:
        payment_record(actor=users.head, customer=CustomerFactory(), **values)
    assert exc.value.field == field
    assert Payment.objects.count() == 1


# --- A5.2 on-time payment facts ----------------------------------------------------------------------------

def _ratio(customer, **period):
    f = compute_facts(**{**PERIOD, **period})[customer.pk]
    return f.invoices_due, f.invoices_on_time, f.on_time_payment_ratio


@pytest.mark.parametrize("paid_on,on_time", [
    (date(2026, 3, 31), 1),
    (date(2026, 4, 1), 1),  # on the due date itself
    (date(2026, 4, 2), 0),
])
def test_a5_2_an_invoice_paid_in_full_by_its_due_date_is_on_time(paid_on, on_time):
    c = CustomerFactory()
    inv = InvoiceFactory(customer=c, issue_date=date(2026, 3, 2), due_date=date(2026, 4, 1), amount=D("1000"))
    PaymentFactory(customer=c, paid_on=paid_on, amount=D("1000"), allocations=[(inv, D("1000"))])
    assert _ratio(c) == (1, on_time, D(on_time))


def test_a5_2_partial_payment_by_the_due_date_is_late_two_payments_in_time_are_not():
    c = CustomerFactory()
    late = InvoiceFactory(customer=c, due_date=date(2026, 4, 1), amount=D("1000"))
    PaymentFactory(customer=c, paid_on=date(2026, 3, 30), amount=D("999.99"), allocations=[(late, D("999.99"))])
    PaymentFactory(customer=c, paid_on=date(2026, 4, 3), amount=D("0.01"), allocations=[(late, D("0.01"))])
    split = InvoiceFactory(customer=c, due_date=date(2026, 5, 1), amount=D("1000"))
    PaymentFactory(customer=c, paid_on=date(2026, 4, 10), amount=D("400"), allocations=[(split, D("400"))])
    PaymentFactory(customer=c, paid_on=date(2026, 5, 1), amount=D("600"), allocations=[(split, D("600"))])
    unpaid = InvoiceFactory(customer=c, due_date=date(2026, 6, 1), amount=D("10"))
    assert unpaid.allocations.count() == 0
    assert _ratio(c) == (3, 1, D("0.3333"))


def test_a5_2_money_paid_in_time_but_applied_to_another_invoice_does_not_count():
    c = CustomerFactory()
    first = InvoiceFactory(customer=c, due_date=date(2026, 4, 1), amount=D("500"))
    second = InvoiceFactory(customer=c, due_date=date(2026, 4, 1), amount=D("500"))
    PaymentFactory(customer=c, paid_on=date(2026, 3, 1), amount=D("1000"), allocations=[(first, D("500"))])
    assert _ratio(c) == (2, 1, D("0.5"))
    assert second.allocations.count() == 0


def test_a5_2_only_invoices_due_inside_the_period_count():
    c = CustomerFactory()
    for due in (date(2025, 11, 30), date(2025, 12, 1), date(2026, 11, 30), date(2026, 12, 1)):
        InvoiceFactory(customer=c, issue_date=due, due_date=due, amount=D("10"))
    assert _ratio(c)[0] == 2


def test_a5_2_without_an_invoice_due_the_ratio_is_unknown_and_counts_as_good():
    c = CustomerFactory()
    OrderFactory(customer=c, amount="5000")
    due, on_time, ratio = _ratio(c)
    assert (due, on_time, ratio) == (0, 0, None)
    criteria = Criteria(min_amount=D("0"), min_years=0, min_on_time_ratio=D("0.90"), basis="ordered")
    assert performs_well(compute_facts(**PERIOD)[c.pk], criteria)


def test_a5_2_the_ratio_against_the_minimum_decides_good_performance():
    criteria = Criteria(min_amount=D("0"), min_years=0, min_on_time_ratio=D("0.90"), basis="ordered")
    c = CustomerFactory()
    invoices = [InvoiceFactory(customer=c, due_date=date(2026, 4, d), amount=D("100")) for d in range(1, 11)]
    for inv in invoices[:9]:
        PaymentFactory(customer=c, paid_on=inv.due_date, amount=D("100"), allocations=[(inv, D("100"))])
    facts = compute_facts(**PERIOD)[c.pk]
    assert facts.on_time_payment_ratio == D("0.9") and performs_well(facts, criteria)
    PaymentFactory(customer=c, paid_on=date(2026, 5, 1), amount=D("100"), allocations=[(invoices[9], D("100"))])
    InvoiceFactory(customer=c, due_date=date(2026, 4, 20), amount=D("100"))  # 9 of 11 on time
    facts = compute_facts(**PERIOD)[c.pk]
    assert facts.on_time_payment_ratio == D("0.8182") and not performs_well(facts, criteria)
    assert facts.as_json()["on_time_payment_ratio"] == "0.8182"


def test_a2_1_invoiced_and_paid_bases_read_the_receivables_in_the_period():
    c = CustomerFactory()
    OrderFactory(customer=c, amount="9000", order_date=date(2026, 3, 1))
    inv = InvoiceFactory(customer=c, issue_date=date(2026, 3, 2), amount=D("7000"))
    InvoiceFactory(customer=c, issue_date=date(2026, 12, 2), amount=D("1"))  # after the period
    PaymentFactory(customer=c, paid_on=date(2026, 3, 20), amount=D("4000"), allocations=[(inv, D("4000"))])
    PaymentFactory(customer=c, paid_on=date(2025, 11, 30), amount=D("3"))  # before the period
    assert compute_facts(**{**PERIOD, "basis": "invoiced"})[c.pk].amount == D("7000.00")
    assert compute_facts(**{**PERIOD, "basis": "paid"})[c.pk].amount == D("4000.00")
    assert compute_facts(**PERIOD)[c.pk].amount == D("9000.00")


def test_a5_2_facts_are_set_based_the_query_count_does_not_grow_with_customers():
    def add(n):
        for _ in range(n):
            c = CustomerFactory()
            inv = InvoiceFactory(customer=c, due_date=date(2026, 4, 1))
            PaymentFactory(customer=c, paid_on=date(2026, 3, 1), allocations=[(inv, inv.amount)])

    add(2)
    with CaptureQueriesContext(connection) as small:
        facts = compute_facts(**PERIOD)
    assert len(facts) == 2 and all(f.on_time_payment_ratio == D("1") for f in facts.values())
    add(10)
    with CaptureQueriesContext(connection) as large:
        facts = compute_facts(**PERIOD)
    assert len(facts) == 12
    assert len(large.captured_queries) == len(small.captured_queries)
