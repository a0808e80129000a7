"""Orders: scoping (account managers see their own customers' orders, A9.2 / A7.1), the write services (head of
sales only, lines and total in one transaction, audited, clear errors naming the field), returns and quality
disputes (A2.1 / A5 facts), and the orders API list (scoped, filtered, paginated, flat query count)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.audit.models import AuditEvent
from kam.core.errors import AccessDenied, ApplicationError
from kam.orders import selectors, services
from kam.orders.models import Order, OrderLine, OrderReturn, QualityDispute
from kam.orders.services import LineIn
from kam.users.models import Role
from tests.factories import CustomerFactory, OrderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users):
    own = CustomerFactory(name="华美酒店", manager=users.am1)
    other = CustomerFactory(name="远景地产", manager=users.am2)
    orphan = CustomerFactory(name="无人负责")
    orders = {"own": OrderFactory(customer=own, number="SO-OWN"), "other": OrderFactory(customer=other,
                                                                                         number="SO-OTHER"),
              "orphan": OrderFactory(customer=orphan, number="SO-ORPHAN")}
    return own, other, orders


def _numbers(qs) -> set[str]:
    return set(qs.values_list("number", flat=True))


# --- scoping ----------------------------------------------------------------------------------------------

def test_an_account_manager_sees_only_the_orders_of_their_own_customers(users, world):
    assert _numbers(selectors.orders_visible(user=users.am1)) == {"SO-OWN"}
    assert _numbers(selectors.orders_visible(user=users.am2)) == {"SO-OTHER"}


@pytest.mark.parametrize("who", ["head", "mgmt", "mkt", "svc", "fin"])
def test_roles_that_read_every_customer_see_every_order(users, world, who):
    assert _numbers(selectors.orders_visible(user=getattr(users, who))) == {"SO-OWN", "SO-OTHER", "SO-ORPHAN"}


def test_administrators_inactive_and_anonymous_users_see_no_orders(users, world):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.orders_visible(user=users.admin).exists()
    assert not selectors.orders_visible(user=AnonymousUser()).exists()
    users.am1.is_active = False
    users.am1.save(update_fields=["is_active"])
    users.am1.__dict__.pop("roles", None)
    assert not selectors.orders_visible(user=users.am1).exists()


def test_a_handover_moves_the_orders_with_the_customer(users, world):
    from kam.customers.services import customer_assign_manager

    own, _other, _orders = world
    customer_assign_manager(actor=users.head, customer=own, manager=users.am2, reason="交接")
    assert _numbers(selectors.orders_visible(user=users.am1)) == set()
    assert _numbers(selectors.orders_visible(user=users.am2)) == {"SO-OWN", "SO-OTHER"}


# --- services ---------------------------------------------------------------------------------------------

def test_order_create_writes_lines_and_their_total_with_one_audit_row(users):
    c = CustomerFactory()
    order = services.order_create(
        actor=users.head, customer=c, number="SO-100", order_date=date(2026, 3, 1), status="open",
        promised_delivery_date=date(2026, 4, 1),
        lines=[LineIn("酒店床组", "HB-1800", Decimal("3"), Decimal("1999.99")),
               LineIn("衣柜", "WR-2", Decimal("2"), Decimal("800"), amount=Decimal("1500"))])
    lines = list(OrderLine.objects.filter(order=order).values_list("product_model", "unit_price", "amount"))
    assert lines == [("HB-1800", Decimal("1999.99"), Decimal("5999.97")), ("WR-2", Decimal("800.00"),
                                                                            Decimal("1500.00"))]
    order.refresh_from_db()
    assert order.amount == Decimal("7499.97") and order.status == "open"  # a line's given amount wins
    event = AuditEvent.objects.get(action="orders.order.created", target_id=str(order.pk))
    assert event.actor == users.head and event.changes["lines"] == 2 and event.changes["customer"] == c.pk


@pytest.mark.parametrize("who", ["am1", "mgmt", "mkt", "svc", "fin", "admin"])
def test_only_the_head_of_sales_records_orders(users, who):
    c = CustomerFactory()
    with pytest.raises(AccessDenied):
        services.order_create(actor=getattr(users, who), customer=c, number="SO-1", order_date=date(2026, 3, 1),
                              lines=[LineIn("床", "B", Decimal("1"), Decimal("1"))])
    assert not Order.objects.exists()


@pytest.mark.parametrize("kwargs,field", [
    ({"number": "  "}, "number"),
    ({"status": "shipped"}, "status"),
    ({"lines": []}, "lines"),
    ({"lines": [LineIn("床", "B", Decimal("1"), Decimal("10")), LineIn("柜", "W", Decimal("0"), Decimal("5"))]},
     "quantity"),
])
def test_order_create_refuses_bad_input_naming_the_field_and_writes_nothing(users, kwargs, field):
    c = CustomerFactory()
    values = {"number": "SO-2", "order_date": date(2026, 3, 1), "lines": [LineIn("床", "B", Decimal("1"),
                                                                                 Decimal("10"))], **kwargs}
    with pytest.raises(ApplicationError) as exc:
        services.order_create(actor=users.head, customer=c, **values)
    assert exc.value.field == field and not exc.value.message.isascii()
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    assert not AuditEvent.objects.filter(action="orders.order.created").exists()


def test_order_numbers_are_unique(users):
    OrderFactory(number="SO-9")
    with pytest.raises(ApplicationError) as exc:
        OrderFactory(number="SO-9")
    assert exc.value.field == "number" and "SO-9" in str(exc.value)
    assert Order.objects.filter(number="SO-9").count() == 1


def test_a6_1_delivery_cycle_is_order_to_delivery_in_days():
    assert OrderFactory(order_date=date(2026, 3, 1), actual_delivery_date=date(2026, 3, 31)).delivery_cycle_days == 30
    assert OrderFactory(actual_delivery_date=None).delivery_cycle_days is None


def test_a2_1_a_return_is_recorded_against_the_order_s_customer_up_to_its_amount(users):
    order = OrderFactory(amount="1000")
    with pytest.raises(ApplicationError) as exc:
        services.order_return_record(actor=users.head, order=order, returned_on=date(2026, 4, 1),
                                     amount=Decimal("1000.01"))
    assert exc.value.field == "amount"
    with pytest.raises(ApplicationError):
        services.order_return_record(actor=users.head, order=order, returned_on=date(2026, 4, 1), amount=Decimal(0))
    with pytest.raises(AccessDenied):
        services.order_return_record(actor=users.am1, order=order, returned_on=date(2026, 4, 1), amount=Decimal(1))
    assert not OrderReturn.objects.exists()
    ret = services.order_return_record(actor=users.head, order=order, returned_on=date(2026, 4, 1),
                                       amount=Decimal("1000"), reason="破损")
    assert ret.customer_id == order.customer_id and ret.amount == Decimal("1000.00")
    assert AuditEvent.objects.filter(action="orders.return.recorded", target_id=str(order.pk)).count() == 1


def test_a5_a_quality_dispute_is_opened_by_sales_or_after_sales_with_a_summary(users):
    order = OrderFactory()
    with pytest.raises(AccessDenied):
        services.quality_dispute_open(actor=users.fin, order=order, opened_on=date(2026, 4, 1), summary="色差")
    with pytest.raises(ApplicationError) as exc:
        services.quality_dispute_open(actor=users.svc, order=order, opened_on=date(2026, 4, 1), summary=" ")
    assert exc.value.field == "summary"
    dispute = services.quality_dispute_open(actor=users.svc, order=order, opened_on=date(2026, 4, 1), summary="色差")
    assert dispute.customer_id == order.customer_id and dispute.closed_on is None
    assert QualityDispute.objects.count() == 1
    assert AuditEvent.objects.filter(action="orders.quality_dispute.opened", actor=users.svc).count() == 1


# --- the API --------------------------------------------------------------------------------------------------

def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json(), len(ctx.captured_queries)


def test_api_orders_list_is_scoped_like_the_pages(users, world, client):
    own, other, orders = world
    client.force_login(users.am1)
    body, _n = _get(client, "/api/orders/")
    assert body["count"] == 1 and [o["number"] for o in body["items"]] == ["SO-OWN"]
    item = body["items"][0]
    assert item["customer_id"] == own.pk and Decimal(item["amount"]) == Decimal("1000.00")
    assert set(item) == {"id", "number", "customer_id", "status", "order_date", "promised_delivery_date",
                         "actual_delivery_date", "amount"}
    # another manager's customer filtered explicitly: still nothing
    body, _n = _get(client, f"/api/orders/?customer_id={other.pk}")
    assert body == {"items": [], "count": 0}
    client.force_login(users.head)
    body, _n = _get(client, f"/api/orders/?customer_id={other.pk}")
    assert [o["number"] for o in body["items"]] == ["SO-OTHER"]


def test_api_orders_list_newest_first_paginated_by_20_with_a_flat_query_count(users, client):
    c = CustomerFactory(manager=users.am1)
    for day in range(1, 4):
        OrderFactory(customer=c, number=f"A-{day}", order_date=date(2026, 3, day))
    client.force_login(users.am1)
    small, queries = _get(client, "/api/orders/")
    assert [o["number"] for o in small["items"]] == ["A-3", "A-2", "A-1"]
    for day in range(1, 26):
        OrderFactory(customer=c, number=f"B-{day:02d}", order_date=date(2026, 5, day))
    page1, more_queries = _get(client, "/api/orders/")
    assert page1["count"] == 28 and len(page1["items"]) == 20 and page1["items"][0]["number"] == "B-25"
    assert more_queries == queries
    page2, _n = _get(client, "/api/orders/?page=2")
    assert [o["number"] for o in page2["items"]][-3:] == ["A-3", "A-2", "A-1"]


def test_api_orders_list_needs_a_signed_in_user(client):
    response = client.get("/api/orders/")
    assert response.status_code == 401 and "message" in response.json()


def test_api_orders_list_for_a_user_without_a_reading_role_is_empty(client):
    client.force_login(UserFactory(roles=[Role.ADMINISTRATOR]))
    OrderFactory()
    assert client.get("/api/orders/").json() == {"items": [], "count": 0}
