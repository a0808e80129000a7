"""kam.core.rowsets (issue 11: a page's satellites in one query): the rows read back through a JSON column are
the rows the ORM reads — every value converted the same way (Decimal yuan, aware datetimes, dates, booleans,
decrypted channels, related names), in the queryset's own order and slice — on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.db.models import Sum
from django.db.models.functions import ExtractYear
from django.test.utils import CaptureQueriesContext

from kam.core.rowsets import RowSet, decode, grouped_rows
from kam.customers.models import AccountAssignment, Contact, Customer
from kam.orders.models import Order
from tests.factories import ContactFactory, OrderFactory


def _one_row(**columns):
    """The columns as one query over any customer row."""
    return Customer.objects.annotate(**columns).values(*columns).first()


def _same(a, b, names):
    return [(n, getattr(a, n), getattr(b, n)) for n in names if getattr(a, n) != getattr(b, n)]


def test_issue11_rowset_rows_equal_the_orm_rows_in_order_and_slice(users, key_account):
    c = key_account()
    for i, (day, amount, status) in enumerate([(dt.date(2025, 12, 31), "1234567.89", "delivered"),
                                               (dt.date(2026, 3, 1), "0.10", "cancelled"),
                                               (dt.date(2026, 3, 1), "99999.99", "open"),
                                               (dt.date(2024, 2, 29), "5", "delivered")]):
        OrderFactory(customer=c, number=f"SO-R{i}", order_date=day, amount=amount, status=status)
    qs = Order.objects.filter(customer=c).order_by("-order_date", "-id")[:3]
    fields = ["number", "status", "order_date", "actual_delivery_date", "amount", "created_at", "customer"]
    rowset = RowSet(qs, fields)
    with CaptureQueriesContext(connection) as ctx:
        row = _one_row(r_orders=rowset.expression)
    assert len(ctx.captured_queries) == 1
    got, want = rowset.load(row["r_orders"]), list(qs)
    assert [o.pk for o in got] == [o.pk for o in want]  # the queryset's order and its slice
    for a, b in zip(got, want, strict=True):
        assert not _same(a, b, ["number", "status", "order_date", "actual_delivery_date", "amount", "created_at",
                                "customer_id"])
        assert isinstance(a.amount, Decimal) and a.created_at.tzinfo is not None
    assert str(got[0].amount) == str(want[0].amount)  # the same scale: ¥ shows the same digits


def test_issue11_rowset_decrypts_channels_and_names_related_people(users, key_account):
    c = key_account()
    ContactFactory(customer=c, name="王总", phone="13800001234", is_decision_maker=True)
    ContactFactory(customer=c, name="李经理", phone="")
    contacts = RowSet(Contact.objects.filter(customer=c), ["name", "phone", "is_decision_maker"])
    managers = RowSet(AccountAssignment.objects.filter(customer=c),
                      ["manager", "started_on", "manager__username", "manager__display_name"])
    row = _one_row(r_contacts=contacts.expression, r_managers=managers.expression)
    got = {x.name: x for x in contacts.load(row["r_contacts"])}
    assert got["王总"].phone == "13800001234" and got["王总"].is_decision_maker is True
    assert got["李经理"].phone == "" and got["李经理"].is_decision_maker is False
    loaded = managers.load(row["r_managers"])
    with CaptureQueriesContext(connection) as ctx:
        names = [str(a.manager) for a in loaded]
    assert names == [str(a.manager) for a in AccountAssignment.objects.filter(customer=c).order_by(
        "-started_on", "-id")] and not ctx.captured_queries  # the name came with the row


def test_issue11_grouped_rows_give_exact_sums_by_group(users, key_account):
    c = key_account()
    for i, (day, amount) in enumerate([(dt.date(2025, 5, 1), "0.10"), (dt.date(2025, 6, 1), "0.20"),
                                       (dt.date(2026, 1, 1), "1234567.89")]):
        OrderFactory(customer=c, number=f"SO-G{i}", order_date=day, amount=amount)
    yearly = Order.objects.filter(customer=c).annotate(y=ExtractYear("order_date")).order_by().values("y").annotate(
        s=Sum("amount"))
    row = _one_row(yearly=grouped_rows(yearly, decimals=("s",)))
    got = sorted((int(r["y"]), Decimal(r["s"])) for r in decode(row["yearly"]))
    assert got == [(2025, Decimal("0.30")), (2026, Decimal("1234567.89"))]
    empty = Order.objects.filter(customer=c, order_date__year=1999).annotate(y=ExtractYear("order_date")).order_by(
    ).values("y").annotate(s=Sum("amount"))
    assert decode(_one_row(yearly=grouped_rows(empty, decimals=("s",)))["yearly"]) == []
