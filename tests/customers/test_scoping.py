"""Reads are scoped by selectors (house rule 2): account managers see only their own customers
(A9.2: the assignment decides), and core data (A7.1) never reaches roles without access."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.confidentiality.classification import masker_for
from kam.customers import selectors
from kam.customers.services import contact_create, customer_assign_manager, floor_price_set
from kam.dossier.selectors import contact_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(users, customer_factory):
    own = customer_factory("佛山华美酒店", manager=users.am1)
    other = customer_factory("广州远景地产", manager=users.am2, city="广州")
    dm = contact_create(actor=None, customer=own, name="林董", phone="13711112222", wechat="lin-wx",
                        email="lin@hm.cn", is_decision_maker=True)
    buyer = contact_create(actor=None, customer=own, name="采购小张", phone="13633334444")
    floor_price_set(actor=None, customer=own, product_series="酒店床组", price="8888.00")
    return own, other, dm, buyer


def test_account_manager_sees_only_own_customers(users, world):
    own, other, *_ = world
    assert list(selectors.customers_visible(user=users.am1)) == [own]
    assert set(selectors.customers_visible(user=users.head)) == {own, other}
    for role_user in (users.mkt, users.svc, users.fin, users.mgmt):
        assert set(selectors.customers_visible(user=role_user)) == {own, other}
    assert list(selectors.customers_visible(user=users.admin)) == []


def test_handover_moves_visibility(users, world):
    own, *_ = world
    customer_assign_manager(actor=users.head, customer=own, manager=users.am2, reason="区域调整")
    assert list(selectors.customers_visible(user=users.am1)) == []
    assert own in selectors.customers_visible(user=users.am2)
    assert own.assignments.filter(ended_on__isnull=True).count() == 1
    assert own.assignments.count() == 2


@pytest.mark.parametrize("who", ["am1", "mkt", "svc", "fin", "admin"])
def test_roles_without_core_access_never_get_core_values(users, world, who):
    """A7.1: decision makers' channels and floor prices are core data."""
    own, _other, dm, buyer = world
    user = getattr(users, who)
    assert selectors.customer_floor_prices(user=user, customer=own) is None
    contacts = {c.id: c for c in contact_rows(masker=masker_for(user), customer=own, reveal=True)}
    assert set(contacts[dm.pk].channels.values()) == {None}  # even when asking for a reveal
    assert contacts[dm.pk].core == ("phone", "wechat", "email")
    assert contacts[buyer.pk].channels["phone"] == "13633334444"  # basic data of a non-decision maker


@pytest.mark.parametrize("who", ["head", "mgmt"])
def test_core_roles_get_core_values(users, world, who):
    own, _other, dm, _buyer = world
    user = getattr(users, who)
    assert [p.price for p in selectors.customer_floor_prices(user=user, customer=own)] == [__import__("decimal").Decimal("8888.00")]
    contacts = {c.id: c for c in contact_rows(masker=masker_for(user), customer=own)}
    assert contacts[dm.pk].channels["phone"] is None  # not in the page by default (reveal on demand)
    contacts = {c.id: c for c in contact_rows(masker=masker_for(user), customer=own, reveal=True)}
    assert contacts[dm.pk].channels["phone"] == "13711112222"


def test_pages_404_for_other_managers_customers(users, world, client):
    own, other, *_ = world
    client.force_login(users.am1)
    assert client.get(f"/customers/{own.pk}/").status_code == 200
    assert client.get(f"/customers/{other.pk}/").status_code == 404
    listing = client.get("/customers/").content.decode()
    assert own.name in listing and other.name not in listing


@pytest.mark.parametrize("who", ["am1", "mkt", "fin"])
def test_detail_page_holds_no_core_marker(users, world, client, who):
    own, *_ = world
    client.force_login(getattr(users, who))
    body = client.get(f"/customers/{own.pk}/").content.decode()
    for marker in ("13711112222", "lin-wx", "lin@hm.cn", "8888"):
        assert marker not in body


def test_reveal_is_audited_without_values(users, world, client):
    """A7.2: a reveal writes one access record naming the fields, never the values; a denied attempt too."""
    from kam.audit.models import CoreAccess

    own, *_ = world
    client.force_login(users.head)
    body = client.get(f"/customers/{own.pk}/").content.decode()
    assert "8888" not in body  # not in the page by default, even for the head of sales
    revealed = client.post(f"/customers/{own.pk}/reveal/floor_prices/").content.decode()
    assert "8,888" in revealed or "8888" in revealed
    access = CoreAccess.objects.get(granted=True)
    assert access.user == users.head and access.customer == own and access.fields == ["floor_price:酒店床组"]
    assert "8888" not in str(CoreAccess.objects.values_list())
    client.force_login(users.mkt)
    assert client.post(f"/customers/{own.pk}/reveal/floor_prices/").status_code == 403
    assert CoreAccess.objects.filter(granted=False, user=users.mkt).count() == 1


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_list_and_detail_query_counts_do_not_grow(users, customer_factory, client):
    from datetime import date
    from decimal import Decimal

    from kam.orders.services import LineIn, order_create

    def add(n):
        for _ in range(n):
            c = customer_factory(manager=users.am1)
            contact_create(actor=None, customer=c, name="联系人", phone="1")
            order_create(actor=None, customer=c, number=f"SO-{c.pk}", order_date=date(2026, 3, 1),
                         lines=[LineIn("酒店床组", "HB-1800", Decimal("2"), Decimal("100"))])
        return c

    first = add(3)
    client.force_login(users.head)
    small_list, small_detail = _queries(client, "/customers/"), _queries(client, f"/customers/{first.pk}/")
    last = add(25)
    assert _queries(client, "/customers/") == small_list
    assert _queries(client, f"/customers/{last.pk}/") == small_detail
