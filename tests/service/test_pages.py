"""Ticket and request pages, department queues (A4): scoped, sorted by due, query counts flat."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.service import services

pytestmark = pytest.mark.django_db


def _n(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


def test_queues_scoped_to_their_department(users, key_account, client):
    from kam.demands import services as demand_services

    c = key_account()
    services.ticket_open(actor=users.svc, customer=c, problem="床头板开裂")
    req = demand_services.request_log(actor=users.am1, customer=c, kind="customisation", channel="phone",
                                      summary="定制前台背景墙")
    demand_services.request_escalate(actor=users.am1, request=req, note="需要市场部设计")
    demand_services.request_assign(actor=users.head, request=req, department="marketing", assignee=users.mkt)
    client.force_login(users.svc)
    _q, body = _n(client, "/queues/after_sales/")
    assert "A11.1" in body and "定制" not in body
    assert client.get("/queues/marketing/").status_code == 404
    client.force_login(users.mkt)
    _q, body = _n(client, "/queues/marketing/")
    assert "定制需求" in body and "A11.1" not in body
    _q, mine = _n(client, "/queues/marketing/?mine=1")
    assert "定制需求" in mine
    client.force_login(users.am1)
    assert client.get("/queues/after_sales/").status_code == 404


def test_queue_query_count_flat(users, key_account, client):
    for i in range(2):
        services.ticket_open(actor=users.svc, customer=key_account(f"甲{i}"), problem="问题")
    client.force_login(users.svc)
    small, _ = _n(client, "/queues/after_sales/")
    for i in range(12):
        services.ticket_open(actor=users.svc, customer=key_account(f"乙{i}"), problem="问题")
    assert _n(client, "/queues/after_sales/")[0] == small


def test_ticket_pages_and_actions(users, key_account, client):
    c = key_account()
    client.force_login(users.svc)
    response = client.post("/service/tickets/new/", {"customer": c.pk, "problem": "衣柜门下垂", "reported_at": ""},
                           follow=True)
    body = response.content.decode()
    assert "已登记" in body and "A11.1" in body
    from kam.service.models import Ticket

    t = Ticket.objects.get()
    client.post(f"/service/tickets/{t.pk}/respond/", {"note": "已电话联系", "onsite_needed": "1"})
    t.refresh_from_db()
    assert t.status == "responded" and t.onsite_needed
    response = client.post(f"/service/tickets/{t.pk}/close/", follow=True)
    assert "不能从" in response.content.decode()
    client.force_login(users.am2)
    assert client.get(f"/service/tickets/{t.pk}/").status_code == 404


def test_request_pages_close_refused_without_feedback(users, key_account, client):
    c = key_account()
    client.force_login(users.am1)
    client.post("/requests/new/", {"customer": c.pk, "kind": "other", "channel": "phone", "summary": "要检测报告",
                                   "received_at": ""})
    from kam.demands.models import CustomerRequest

    req = CustomerRequest.objects.get()
    client.post(f"/requests/{req.pk}/outcome/", {"text": "已寄送"})
    response = client.post(f"/requests/{req.pk}/close/", follow=True)
    assert "A15.2" in response.content.decode()
    req.refresh_from_db()
    assert req.status != "closed"
