"""The contact-log and visit lists (A12.1, A13, issue 13) through the shared list component: the account manager
sees the records of their own accounts, the head of sales everyone's; filters by customer, kind, topic, person
and date in the URL; query count flat; materials and every enumeration in Chinese; specific confirmations that
say how the cadence (A12.1, A12.2) and record (A13.2) clocks stand."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.engagement import services
from kam.engagement.models import ContactLog, Visit
from tests.engagement.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 1, 10, 0)  # Tuesday


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _n(client, url) -> tuple[int, str]:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


def _table(body: str, table: str) -> str:
    return body[body.index(f'id="{table}"'):]


@pytest.fixture
def world(users, customer_factory, frozen):
    own = customer_factory("华美酒店", manager=users.am1)
    other = customer_factory("远景地产", manager=users.am2)
    ContactLog.objects.create(customer=own, at=at(2026, 11, 30, 10), kind="phone", author=users.am1, topic="needs",
                              summary="询问新品价格")
    ContactLog.objects.create(customer=own, at=at(2026, 11, 20, 10), kind="wechat", author=users.head,
                              topic="cooperation", summary="高层回访", with_decision_maker=True)
    ContactLog.objects.create(customer=other, at=at(2026, 11, 29, 10), kind="phone", author=users.am2,
                              summary="远景的沟通")
    v1 = services.visit_book(actor=users.am1, customer=own, starts_at=at(2026, 12, 3, 10), ends_at=at(2026, 12, 3, 11),
                             purpose="送样", materials=["quotation", "catalogue"], now=at(2026, 11, 26, 10))
    v2 = services.visit_book(actor=users.am2, customer=other, starts_at=at(2026, 12, 4, 10),
                             ends_at=at(2026, 12, 4, 11), purpose="远景拜访", materials=["samples"],
                             now=at(2026, 11, 26, 10))
    return own, other, v1, v2


def test_a121_contact_list_scoped_and_filtered(users, world, client):
    own, other, _v1, _v2 = world
    client.force_login(users.am1)
    _q, body = _n(client, "/engagement/contacts/")
    rows = _table(body, "contacts")
    assert "询问新品价格" in rows and "高层回访" in rows and "远景的沟通" not in rows  # own accounts only
    assert "微信/企业微信" in rows and "合作改进" in rows and "wechat" not in rows.replace('name="', "")
    client.force_login(users.head)
    _q, body = _n(client, "/engagement/contacts/")
    assert "远景的沟通" in _table(body, "contacts")  # the head of sales sees everyone's
    for query, present, absent in [({"customer": "远景"}, "远景的沟通", "询问新品价格"),
                                   ({"kind": "wechat"}, "高层回访", "询问新品价格"),
                                   ({"topic": "cooperation"}, "高层回访", "远景的沟通"),
                                   ({"author": users.am2.pk}, "远景的沟通", "高层回访"),
                                   ({"dm": "1"}, "高层回访", "询问新品价格"),
                                   ({"since": "2026-11-25"}, "询问新品价格", "高层回访"),
                                   ({"until": "2026-11-25"}, "高层回访", "询问新品价格")]:
        rows = _table(_n(client, "/engagement/contacts/?" + urlencode(query))[1], "contacts")
        assert present in rows and absent not in rows, query
    rows = _table(_n(client, "/engagement/contacts/?kind=fax&since=2026-13-45&author=abc")[1], "contacts")
    assert "远景的沟通" in rows and "高层回访" in rows  # garbage filters are ignored


def test_a13_visit_list_scoped_filtered_and_in_chinese(users, world, client):
    own, other, v1, v2 = world
    client.force_login(users.am1)
    _q, body = _n(client, "/engagement/visits/")
    rows = _table(body, "visits")
    assert "送样" in rows and "远景拜访" not in rows
    assert "报价单、产品资料" in rows and "quotation" not in rows and "catalogue" not in rows
    assert "已预约" in rows
    client.force_login(users.head)
    rows = _table(_n(client, "/engagement/visits/")[1], "visits")
    assert "送样" in rows and "远景拜访" in rows
    rows = _table(_n(client, f"/engagement/visits/?owner={users.am2.pk}")[1], "visits")
    assert "远景拜访" in rows and "送样" not in rows
    services.visit_cancel(actor=users.am1, visit=v1, reason="客户出差")
    rows = _table(_n(client, "/engagement/visits/?status=cancelled")[1], "visits")
    assert "送样" in rows and "远景拜访" not in rows
    rows = _table(_n(client, "/engagement/visits/?since=2026-12-04&until=2026-12-04")[1], "visits")
    assert "远景拜访" in rows and "送样" not in rows


def test_lists_query_count_flat(users, customer_factory, client, frozen):
    c = customer_factory("华美酒店", manager=users.am1)

    def grow(n, start):
        for i in range(start, start + n):
            ContactLog.objects.create(customer=c, at=NOW - dt.timedelta(hours=i + 1), kind="phone",
                                      author=users.am1, summary=f"沟通 {i}")
            visit = Visit.objects.create(customer=c, owner=users.am1, starts_at=NOW - dt.timedelta(days=i + 1),
                                         ends_at=NOW - dt.timedelta(days=i + 1) + dt.timedelta(hours=1),
                                         purpose="拜访", materials=["samples"], booked_at=NOW - dt.timedelta(days=30))
            if i % 2:
                ContactLog.objects.create(customer=c, at=visit.ends_at, kind="visit", author=users.am1,
                                          summary="拜访：拜访", visit=visit)

    grow(2, 0)
    client.force_login(users.head)
    contacts, _ = _n(client, "/engagement/contacts/")
    visits, _ = _n(client, "/engagement/visits/")
    grow(30, 2)
    assert _n(client, "/engagement/contacts/")[0] == contacts
    assert _n(client, "/engagement/visits/")[0] == visits


def test_visit_page_materials_in_chinese_and_the_next_step(users, world, client):
    own, _other, v1, _v2 = world
    client.force_login(users.am1)
    page = client.get(f"/engagement/visits/{v1.pk}/").content.decode()
    assert 'id="visit-materials">报价单、产品资料</dd>' in page
    assert not re.search(r"\bquotation\b|\bcatalogue\b", page)
    assert re.search(r'<button class="btn">已与客户确认</button>', page)  # before the visit: confirm it
    assert 'id="cancel-form" data-confirm-dialog=' in page
    data = client.get(f"/api/visits/{v1.pk}").json()
    assert data["materials"] == ["quotation", "catalogue"] and data["materials_labels"] == ["报价单", "产品资料"]
    assert data["status_label"] == "已预约"


def test_a121_a122_a132_confirmations_say_how_the_clocks_stand(users, customer_factory, designate, client):
    c = customer_factory("华美酒店", manager=users.am1)
    designate(c, "ordinary", at(2026, 1, 1))
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        visit = services.visit_book(actor=users.am1, customer=c, starts_at=at(2026, 12, 1, 9),
                                    ends_at=at(2026, 12, 1, 10), purpose="送样")
    with time_machine.travel(NOW, tick=False):
        client.force_login(users.am1)
        body = client.post("/engagement/log/", {"customer": c.pk, "at": "2026-12-01T09:30", "kind": "phone",
                                                "topic": "needs", "summary": "询问新品"}, follow=True).content.decode()
        assert "已记录与「华美酒店」的电话沟通（2026-12-01 09:30）。" in body
        assert "本期沟通频次已完成（1/1，本期至 12-13）（A12.1）。" in body  # ordinary: 1 per fortnight (W49–W50)
    with time_machine.travel(at(2026, 12, 1, 14, 0), tick=False):
        body = client.post(f"/engagement/visits/{visit.pk}/record/", {
            "purchase_plans": "明年新开三家门店", "usage_problems": "无", "suggestions": "无"}, follow=True).content.decode()
        assert "拜访记录已保存，记录时限已完成（提前 20 小时）（A13.2）。" in body
        assert "本期拜访频次已完成（1/1，本期至 12-31）（A12.2）。" in body  # ordinary: 1 per quarter


def test_booking_confirmation_names_the_time_and_the_reminder(users, customer_factory, client):
    c = customer_factory("华美酒店", manager=users.am1)
    with time_machine.travel(at(2026, 11, 26, 10), tick=False):
        client.force_login(users.am1)
        body = client.post("/engagement/visits/new/", {"customer": c.pk, "day": "2026-12-10", "start": "10:00",
                                                       "end": "11:30", "purpose": "送样",
                                                       "materials": ["samples", "quotation"]}, follow=True
                           ).content.decode()
    assert "已预约 2026-12-10 10:00–11:30 拜访「华美酒店」。" in body
    assert "拜访前两个工作日会提醒您与客户确认预约（A13.1）" in body
    assert 'id="visit-materials">样品、报价单</dd>' in body
