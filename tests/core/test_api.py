"""API skeleton: token and session auth, scoping by the same selectors, JSON errors, pagination."""

import pytest

from kam.audit.models import AuditEvent
from kam.customers.services import contact_create
from kam.users.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, customer_factory):
    own = [customer_factory(f"自有客户{i}", manager=users.am1) for i in range(25)]
    other = customer_factory("他人客户", manager=users.am2)
    contact_create(actor=None, customer=own[0], name="林董", phone="13711112222", is_decision_maker=True)
    return own, other


def _auth(raw):
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def test_token_auth_and_scoped_paginated_list(users, world, client):
    own, other = world
    _token, raw = api_token_create(actor=users.am1, name="集成")
    response = client.get("/api/customers/", **_auth(raw))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 25 and len(data["items"]) == 20
    assert other.pk not in {c["id"] for c in data["items"]}
    page2 = client.get("/api/customers/?page=2", **_auth(raw)).json()
    assert len(page2["items"]) == 5


def test_other_managers_customer_is_404_json(users, world, client):
    _own, other = world
    _token, raw = api_token_create(actor=users.am1, name="集成")
    response = client.get(f"/api/customers/{other.pk}", **_auth(raw))
    assert response.status_code == 404 and "message" in response.json()


def test_detail_masks_decision_maker_channels(users, world, client):
    own, _other = world
    for who in (users.am1, users.head):
        _token, raw = api_token_create(actor=who, name="集成")
        body = client.get(f"/api/customers/{own[0].pk}", **_auth(raw)).content.decode()
        assert "13711112222" not in body


def test_token_stored_hashed_shown_once_and_revocable(users, world, client):
    token, raw = api_token_create(actor=users.am1, name="集成")
    assert raw not in str(list(type(token).objects.values_list()))
    api_token_revoke(actor=users.am1, token=token)
    assert client.get("/api/customers/", **_auth(raw)).status_code == 401
    assert AuditEvent.objects.filter(action="users.api_token.revoked").count() == 1


def test_unauthenticated_and_bad_token(client, db):
    assert client.get("/api/customers/").status_code == 401
    assert client.get("/api/customers/", HTTP_AUTHORIZATION="Bearer kam_nope").status_code == 401


def test_session_auth_for_the_browser(users, world, client):
    client.force_login(users.head)
    assert client.get("/api/customers/").json()["count"] == 26


def test_validation_error_names_the_field(users, world, client):
    client.force_login(users.head)
    response = client.get("/api/customers/?page=abc")
    assert response.status_code == 422
    assert response.json()["field"] == "page"


def test_openapi_schema_and_docs(users, client):
    client.force_login(users.head)
    schema = client.get("/api/openapi.json").json()
    assert "/api/customers/" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_admin_user_gets_no_business_data(users, world, client):
    client.force_login(users.admin)
    assert client.get("/api/customers/").json()["count"] == 0


def test_policy_in_force_readable_by_everyone(users, client):
    """A2.3: the policy in force is public to all staff, through the API too."""
    client.force_login(users.am1)
    data = client.get("/api/policy/in-force").json()
    settings = {s["name"]: s for s in data["settings"]}
    assert settings["portfolio.max_accounts_per_manager"]["value"] == 15
    assert settings["portfolio.max_accounts_per_manager"]["rule"] == "A9.1"
    assert settings["service.response_hours"]["article"] == "第十一条"
    assert client.get("/api/policy/in-force?at=2026-01-01T00:00:00").status_code == 400


def test_orders_api_scoped(users, world, client):
    from datetime import date
    from decimal import Decimal

    from kam.orders.services import LineIn, order_create

    own, other = world
    order_create(actor=None, customer=own[0], number="SO-1", order_date=date(2026, 1, 5),
                 lines=[LineIn("沙发", "SF-320", Decimal("1"), Decimal("5000"))])
    order_create(actor=None, customer=other, number="SO-2", order_date=date(2026, 1, 5),
                 lines=[LineIn("沙发", "SF-320", Decimal("1"), Decimal("5000"))])
    client.force_login(users.am1)
    numbers = {o["number"] for o in client.get("/api/orders/").json()["items"]}
    assert numbers == {"SO-1"}


def test_list_totals_are_counted_per_scope(users, world, client):
    """The short-lived total of a list is kept per scope: a manager never sees the head's total (A7.1)."""
    client.force_login(users.head)
    assert client.get("/api/customers/").json()["count"] == 26
    client.force_login(users.am1)
    assert client.get("/api/customers/").json()["count"] == 25
    client.force_login(users.am2)
    data = client.get("/api/customers/").json()
    assert data["count"] == 1 and len(data["items"]) == 1
