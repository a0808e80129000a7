from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum
from django.utils import timezone

from kam.audit.models import AuditEvent
from kam.customers.models import AccountAssignment, Contact, Customer, FloorPrice
from kam.customers.validators import credit_code_error
from kam.demo.data import AS_OF, USERS, load_demo
from kam.demo.generate import generate
from kam.orders.models import Order, OrderLine, OrderStatus, QualityDispute
from kam.receivables.models import Invoice
from kam.users.models import Role, User


def _table_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in (User, Customer, Contact, Order, OrderLine, Invoice, AuditEvent)}


@pytest.mark.django_db
def test_load_demo_builds_the_dataset_once():
    out = io.StringIO()
    assert load_demo(stdout=out) is True
    assert "60 customers" in out.getvalue()

    for username, name, role in USERS:
        user = User.objects.get(username=username)
        assert user.display_name == name
        assert user.roles == {role}
        assert user.check_password("kam-demo-2026")
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser

    customers = Customer.objects.all()
    assert 55 <= customers.count() <= 65
    assert all(credit_code_error(c.credit_code) is None for c in customers)
    assert customers.filter(city="佛山").count() >= 12
    assert customers.filter(parent__isnull=False).count() >= 6
    assert set(customers.values_list("customer_type", flat=True)) >= {"real_estate", "hotel", "dealer",
                                                                      "institution"}

    # every customer has exactly one open assignment, matching its current manager; ≤ 15 per manager
    open_assignments = AccountAssignment.objects.filter(ended_on__isnull=True)
    assert open_assignments.count() == customers.count()
    for c in customers:
        assert open_assignments.get(customer=c).manager_id == c.account_manager_id
    per_manager = dict(User.objects.filter(username__in=["am1", "am2", "am3", "am4"])
                       .annotate(n=Count("managed_customers")).values_list("username", "n"))
    assert max(per_manager.values()) <= 15 and sum(per_manager.values()) == customers.count()
    assert AccountAssignment.objects.filter(ended_on__isnull=False).exists()  # some handovers
    assert all(a.started_on < AS_OF for a in AccountAssignment.objects.all())

    # contacts: decision makers everywhere, some lunar birthdays including a leap month and day 30
    assert not customers.annotate(dm=Count("contacts", filter=Q(contacts__is_decision_maker=True))).filter(
        dm=0).exists()
    # birthdays are encrypted (A14.1): read back through the model, never filtered on
    people = list(Contact.objects.exclude(birthday=""))
    lunar = [c for c in people if c.birthday_kind == "lunar"]
    assert len(lunar) >= 5
    assert any(c.birthday_leap_month for c in lunar)
    assert any(c.birthday_day == 30 for c in lunar)
    assert any(c.birthday_kind == "solar" for c in people)
    assert Contact.objects.exclude(phone="").first().phone.startswith(("1", "0"))  # decrypts
    assert FloorPrice.objects.values("customer").distinct().count() == 30
    assert Decimal(FloorPrice.objects.first().price) > 0

    # orders: three years, mostly delivered, some open and cancelled, some late; returns and disputes
    orders = Order.objects.all()
    assert orders.filter(status=OrderStatus.CANCELLED).exists()
    assert orders.filter(status=OrderStatus.OPEN).exists()
    assert orders.filter(status=OrderStatus.DELIVERED).count() > orders.count() * 0.8
    assert min(orders.values_list("order_date", flat=True)) >= date(2023, 12, 1)
    assert max(orders.values_list("order_date", flat=True)) <= date(2026, 11, 25)
    delivered = orders.filter(status=OrderStatus.DELIVERED)
    assert all(20 <= o.delivery_cycle_days <= 80 for o in delivered)
    assert any(o.actual_delivery_date > o.promised_delivery_date for o in delivered)
    assert QualityDispute.objects.filter(closed_on__isnull=True).exists()
    assert QualityDispute.objects.filter(closed_on__isnull=False).exists()
    # Pareto-like: a handful of big accounts, most below ¥3 million a year
    last_year = sorted((c.s or 0) for c in customers.annotate(
        s=Sum("orders__amount", filter=Q(orders__order_date__gte=date(2025, 11, 26))
              & ~Q(orders__status=OrderStatus.CANCELLED))))
    assert last_year[-1] >= 5_000_000
    assert sum(1 for s in last_year if s < 3_000_000) >= 45

    # receivables: paid on time, late, and some overdue and unpaid as of 2026-11-26
    invoices = Invoice.objects.annotate(paid=Sum("allocations__amount"))
    overdue_unpaid = [i for i in invoices if i.due_date < AS_OF and (i.paid or 0) < i.amount]
    assert overdue_unpaid
    assert len(overdue_unpaid) < invoices.count() * 0.2
    assert AuditEvent.objects.filter(action="demo.loaded").count() == 1
    assert AuditEvent.objects.filter(action="orders.order.created").count() == orders.count()

    # gifts (A14.2): given, waiting for the head of sales, rejected; refused attempts including a 购物卡
    from kam.care.models import Gift, GiftRefusal

    assert set(Gift.objects.values_list("state", flat=True)) >= {"given", "awaiting", "rejected", "approved"}
    assert GiftRefusal.objects.filter(item__contains="购物卡", reason="word").exists()
    assert GiftRefusal.objects.filter(reason="per_gift").exists()
    assert Gift.objects.exclude(photo="").filter(state="given").exists()  # A14.2: one with its photo
    assert Gift.objects.filter(total_value=200, needs_approval=False).exists()  # at the threshold: no approval
    assert Gift.objects.filter(total_value=500, needs_approval=True).exists()  # at the per-gift maximum
    # occasions (A14.1) in the coming days on am1's day: a lunar birthday among them, one already greeted
    from kam.care.models import CareAction
    from kam.obligations.models import StoredObligation

    listed = StoredObligation.objects.filter(rule="A14.1", live=True, owner__username="am1")
    assert listed.filter(state="due_soon", label__contains="生日").count() >= 2
    assert listed.filter(label__contains="农历").exists() or listed.filter(label__contains="生日").count() >= 2
    assert listed.filter(label__contains="周年").exists()
    assert CareAction.objects.filter(kind="greeting").exists() and listed.filter(state="met").exists()
    # A14.1: the customs of a demo account beside its occasions; the next Spring Festival (2027-02-06) ahead
    from kam.care.occasion_selectors import occasions_for

    assert Customer.objects.exclude(pref_customs="").exists()
    am1 = User.objects.get(username="am1")
    coming = occasions_for(user=am1, first=date(2027, 2, 1), last=date(2027, 2, 28))
    assert {r.on for r in coming if r.title == "春节"} == {date(2027, 2, 6)}
    today = timezone.localdate()
    weeks = occasions_for(user=am1, first=today, last=today + timedelta(days=30))
    assert any(r.customs for r in weeks)
    assert any(r.kind == "birthday" and "农历" in r.title for r in weeks)
    from kam.care.models import Commitment

    assert set(Commitment.objects.values_list("state", flat=True)) == {"pending", "approved", "done", "refused"}
    # A18.1 clocks: a commitment past its approval window, an approved one missed; A18.2: a contract about to
    # expire (due soon for its manager), a key account without a contract in force
    a181 = StoredObligation.objects.filter(rule="A18.1", live=True, state="breached")
    assert a181.filter(period_key="approval").exists() and a181.filter(period_key="delivery").exists()
    assert StoredObligation.objects.filter(rule="A18.2", live=True, state="due_soon").exists()
    from kam.care.contracts import key_accounts_without_contract

    assert key_accounts_without_contract(user=User.objects.get(username="mgmt")).exists()

    # a second call changes nothing
    before = _table_counts()
    out = io.StringIO()
    assert load_demo(stdout=out) is False
    assert "demo data already loaded" in out.getvalue()
    assert _table_counts() == before


@pytest.mark.django_db
def test_generate_builds_the_requested_volume_and_can_run_twice():
    counts = generate(customers=50, lines_per_customer=20, stdout=io.StringIO())
    assert counts["customers"] == 50 and counts["order_lines"] == 1000
    assert Customer.objects.count() == 50
    assert OrderLine.objects.count() == 1000
    assert Invoice.objects.exists() and Invoice.objects.filter(allocations__isnull=False).exists()
    assert all(credit_code_error(code) is None for code in Customer.objects.values_list("credit_code", flat=True))
    managers = User.objects.filter(username__startswith="gen_am").annotate(n=Count("managed_customers"))
    assert managers.count() == 4
    assert all(m.n <= 15 and m.roles == {Role.ACCOUNT_MANAGER} for m in managers)
    assert AccountAssignment.objects.filter(ended_on__isnull=True).count() == 50
    assert sum(Order.objects.filter(pk__in=OrderLine.objects.values("order")).values_list("amount", flat=True)) == \
        OrderLine.objects.aggregate(s=Sum("amount"))["s"]
    assert AuditEvent.objects.filter(action="demo.generated").count() == 1

    # a second run on the same database adds an independent batch
    again = generate(customers=20, lines_per_customer=5, stdout=io.StringIO())
    assert again["run"] == 2
    assert Customer.objects.count() == 70
    assert OrderLine.objects.count() == 1100
    assert User.objects.filter(username__startswith="gen2_am").count() == 2
