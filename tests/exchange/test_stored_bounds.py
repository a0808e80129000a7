"""System check kam.core.W002: rows stored outside the bounds (e.g. by imports before the bounds existed) are
found, one aggregate query per model, and reported by model, field and count (issue 12 §1)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core import checks
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.core.checks import W002, check_stored_bounds, out_of_bounds
from kam.orders.models import Order
from kam.receivables.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(customer_factory):
    c = customer_factory("甲")
    return Order.objects.create(number="SO-1", customer=c, order_date=date(2026, 3, 1), amount=Decimal("100.00"))


def _w002(databases=("default",)):
    return [m for m in check_stored_bounds(databases=list(databases)) if m.id == W002]


def test_a_clean_database_has_no_warning(order):
    assert _w002() == []


def test_dates_outside_the_window_are_reported_by_model_field_and_count(order, customer_factory):
    c = order.customer
    Order.objects.create(number="SO-2", customer=c, order_date=date(1, 1, 1), amount=Decimal(1))
    Order.objects.create(number="SO-3", customer=c, order_date=date(9999, 12, 31), amount=Decimal(1),
                         promised_delivery_date=date(1999, 1, 1))
    messages = {m.msg.split("：")[0]: m for m in _w002()}
    assert set(messages) == {"orders.Order.order_date", "orders.Order.promised_delivery_date"}
    assert "2 行超出范围 2000-01-01 … " in messages["orders.Order.order_date"].msg
    assert messages["orders.Order.order_date"].obj is Order
    assert isinstance(messages["orders.Order.order_date"], checks.Warning)


def test_instants_outside_the_window_are_reported(order, users):
    from kam.exchange.models import ImportRun

    run = ImportRun.objects.create(kind="orders", file_name="x.csv", sha256="0" * 64, created_by=users.head)
    ImportRun.objects.filter(pk=run.pk).update(checked_at=datetime(1, 1, 1, tzinfo=UTC))
    assert [m.msg.split("：")[0] for m in _w002()] == ["exchange.ImportRun.checked_at"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's numeric(16,2) cannot hold 10^20")
def test_amounts_that_do_not_fit_their_column_are_reported(order):
    """10^20 in a DecimalField(max_digits=16): SQLite stores it, and every page reading it fails."""
    Order.objects.filter(pk=order.pk).update(amount=Decimal(10) ** 20)
    Invoice.objects.create(number="F-1", customer=order.customer, issue_date=date(2026, 1, 1),
                           due_date=date(2026, 2, 1), amount=Decimal("-99999999999999999"))
    found = sorted(m.msg.split("：")[0] for m in _w002())
    assert found == ["orders.Order.amount", "receivables.Invoice.amount"]


def test_one_query_per_model(order):
    with CaptureQueriesContext(connection) as queries:
        found = out_of_bounds(Order)
    assert found == [] and len(queries) == 1


def test_only_with_a_database_and_through_the_check_command(order, capsys):
    Order.objects.filter(pk=order.pk).update(order_date=date(1, 1, 1))
    assert check_stored_bounds(databases=None) == []
    call_command("check", databases=["default"])  # warnings do not fail the command
    assert "kam.core.W002" in capsys.readouterr().err
    call_command("check", "--deploy", "--fail-level", "ERROR")  # without --database it does not run


def test_a_field_carrying_the_historic_validator_gets_the_historic_window():
    """The lead attaches bounds.validate_historic_date to founding days: the check then accepts 1995."""
    from django.db import models

    from kam.core import bounds
    from kam.core.checks import _date_bounds

    plain = models.DateField()
    plain.set_attributes_from_name("founded_on")
    historic = models.DateField(validators=[bounds.validate_historic_date])
    historic.set_attributes_from_name("founded_on")
    assert _date_bounds(plain, date(2026, 12, 1))[1] == "2000-01-01 … 2036-12-01"
    assert _date_bounds(historic, date(2026, 12, 1))[1] == "1900-01-01 … 2036-12-01"


def test_third_party_sentinels_are_not_reported(order):
    """django-tasks stores run_after = 9999-01-01 for "no delay": not the project's data, not reported."""
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.create(args_kwargs={}, task_path="x.y", backend_name="default", exception_class_path="",
                                traceback="", run_after=datetime(9999, 1, 1, tzinfo=UTC))
    assert out_of_bounds(DBTaskResult)  # outside the window, yet
    assert _w002() == []
