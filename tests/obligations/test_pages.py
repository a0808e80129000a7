"""My day, the compliance overview and the inbox: scoped, rule ids shown, query counts flat."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.engagement.conftest import at
from tests.factories import DesignationFactory

pytestmark = pytest.mark.django_db


def _designate(customer, tier="core"):
    from kam.obligations.store import reflect

    DesignationFactory(customer=customer, tier=tier, started_at=at(2026, 1, 1))
    reflect(customer_ids={customer.pk})  # as the approval that designates it does


def _n(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response.content.decode()


def test_my_day_shows_own_obligations_with_rule_and_article(users, customer_factory, client):
    own = customer_factory("华美酒店", manager=users.am1)
    other = customer_factory("远景地产", manager=users.am2)
    _designate(own)
    _designate(other)
    client.force_login(users.am1)
    _count, body = _n(client, "/my-day/")
    assert "华美酒店" in body and "远景地产" not in body
    assert "A12.1 · 第十二条" in body and "/policy/#rule-A12-1" in body


def test_my_day_and_overview_query_counts_do_not_grow(users, customer_factory, client):
    def add(n, manager):
        for i in range(n):
            _designate(customer_factory(f"客户{manager.username}{i}", manager=manager))

    add(2, users.am1)
    client.force_login(users.am1)
    small_day, _ = _n(client, "/my-day/")
    client.force_login(users.head)
    small_overview, _ = _n(client, "/compliance/")
    add(10, users.am1)
    add(10, users.am2)
    client.force_login(users.am1)
    assert _n(client, "/my-day/")[0] == small_day
    client.force_login(users.head)
    assert _n(client, "/compliance/")[0] == small_overview


def test_overview_for_head_and_management_only(users, customer_factory, client):
    _designate(customer_factory("华美酒店", manager=users.am1))
    client.force_login(users.mgmt)
    _count, body = _n(client, "/compliance/")
    assert 'id="overview"' in body and 'id="trend"' in body and "A12.2" in body
    _count, body = _n(client, f"/compliance/?owner=u{users.am1.pk}&rule=A12.1")
    assert "华美酒店" in body
    client.force_login(users.am1)
    assert client.get("/compliance/").status_code == 403


def test_inbox_unread_count_and_mark_read(users, client):
    from kam.notify.services import notify_user

    notify_user(user=users.am1, title="【已逾期】华美酒店 · 远程沟通", body="A12.1", dedupe_key="t1")
    client.force_login(users.am1)
    _count, body = _n(client, "/inbox/")
    assert 'id="unread-count">1<' in body and "华美酒店" in body
    client.post("/inbox/read/")
    _count, body = _n(client, "/inbox/")
    assert 'id="unread-count"' not in body


def test_contact_form_and_visit_booking_pages(users, customer_factory, client):
    c = customer_factory("华美酒店", manager=users.am1)
    client.force_login(users.am1)
    response = client.post(f"/engagement/log/?customer={c.pk}", {
        "customer": c.pk, "at": "2026-11-26T10:00", "kind": "phone", "topic": "needs", "summary": "询问新品"})
    assert response.status_code == 302
    from kam.engagement.models import ContactLog

    assert ContactLog.objects.get().author == users.am1
    response = client.post("/engagement/log/", {"customer": c.pk, "at": "2026-11-26T10:00", "kind": "phone",
                                                "topic": "needs", "summary": ""})
    assert response.status_code == 400 and "errorlist" in response.content.decode()
    response = client.post("/engagement/visits/new/", {"customer": c.pk, "day": "2026-11-26", "start": "10:00",
                                                       "end": "11:00", "purpose": "送样"})
    body = response.content.decode()
    assert "A13.1" in body and "提前" in body


def test_queue_dossier_and_api_query_counts_do_not_grow_with_ten_times_the_accounts(users, customer_factory, client):
    """Issue 11: pages read indexed rows — the same number of queries with 2 or 20 accounts per manager."""
    from kam.demands.services import request_log

    def add(n, manager):
        made = []
        for i in range(n):
            c = customer_factory(f"客户{manager.username}{len(made)}-{i}", manager=manager)
            _designate(c)
            request_log(actor=manager, customer=c, kind="customisation", channel="phone", summary="定制需求")
            made.append(c)
        return made

    first = add(2, users.am1)[0]
    client.force_login(users.head)
    urls = ["/queues/after_sales/", f"/customers/{first.pk}/", "/api/obligations/mine", "/api/obligations/compliance"]
    small = {url: _n(client, url)[0] for url in urls}
    add(20, users.am1)
    add(20, users.am2)
    assert {url: _n(client, url)[0] for url in urls} == small
