"""The customer page (A6.1, issue 13): the header's figures people look for first — purchases this year and last
and the change (A2.1: by order date, cancelled excluded, net of returns), open orders, receivables open and
overdue (A17.1: open = amount − allocations), open tickets (A11) and requests (A15), last contact and visit
(A12), the next obligation, tier and designation history — in a number of queries that does not grow with the
data; the activity timeline across chapters with filters by kind and person and paging; a visit's purchase plan
shown once in the communication records (A13.2)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.customers.panels import timeline
from kam.orders.services import LineIn, order_create, order_return_record
from kam.receivables.services import invoice_create, payment_record

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=SH)


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=True):
        yield NOW


@pytest.fixture
def account(users, customer_factory, now):
    from kam.obligations.store import reflect
    from kam.qualification.models import Designation, TierChange

    c = customer_factory("华美酒店", manager=users.am1)
    first = Designation.objects.create(customer=c, source="initial_list", tier="ordinary", started_at=at(2025, 1, 1),
                                       ended_at=at(2025, 12, 20))
    TierChange.objects.create(customer=c, designation=first, tier="ordinary", effective_at=at(2025, 1, 1))
    d = Designation.objects.create(customer=c, source="annual_review", tier="core", started_at=at(2025, 12, 20))
    TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=at(2025, 12, 20))
    reflect(customer_ids={c.pk})
    return c


def order(customer, number, day, amount, status="delivered"):
    return order_create(actor=None, customer=customer, number=number, order_date=day, status=status,
                        lines=[LineIn("酒店床组", "HB-1800", Decimal("1"), Decimal(amount))])


def body(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def figure(page: str, key: str) -> str:
    """The text of one header figure (tags stripped, whitespace collapsed)."""
    m = re.search(rf'id="figure-{key}">(.*?)</(?:a|div)>', page, re.S)
    assert m, key
    return " ".join(re.sub(r"<[^>]+>", " ", m.group(1)).split())


def test_a61_header_figures_are_the_ones_people_look_for_first(users, account, client, now):
    from kam.demands.services import request_log
    from kam.engagement.services import contact_log_create, visit_book, visit_record
    from kam.service.services import ticket_open

    c = account
    order(c, "SO-1", dt.date(2026, 3, 1), "1000.00")
    order(c, "SO-2", dt.date(2026, 6, 10), "800.00", status="open")
    order(c, "SO-X", dt.date(2026, 5, 1), "9999.00", status="cancelled")  # A2.1: cancelled orders don't count
    order(c, "SO-0", dt.date(2025, 4, 1), "1200.00")  # last year, before the same day
    order(c, "SO-00", dt.date(2025, 11, 1), "3000.00")  # last year, after the same day
    order_return_record(actor=None, order=order(c, "SO-R", dt.date(2026, 2, 1), "500.00"),
                        returned_on=dt.date(2026, 2, 5), amount=Decimal("300.00"))  # A2.1: net of returns
    overdue = invoice_create(actor=None, customer=c, number="FP-1", issue_date=dt.date(2026, 4, 1),
                             due_date=dt.date(2026, 5, 1), amount=Decimal("1000.00"))
    invoice_create(actor=None, customer=c, number="FP-2", issue_date=dt.date(2026, 6, 1),
                   due_date=dt.date(2026, 7, 1), amount=Decimal("500.00"))
    paid = invoice_create(actor=None, customer=c, number="FP-3", issue_date=dt.date(2026, 3, 1),
                          due_date=dt.date(2026, 4, 1), amount=Decimal("200.00"))
    payment_record(actor=None, customer=c, reference="SK-1", paid_on=dt.date(2026, 5, 20), amount=Decimal("600.00"),
                   allocations=[(overdue, Decimal("400.00")), (paid, Decimal("200.00"))])
    ticket_open(actor=users.svc, customer=c, problem="床头板开裂", reported_at=now - dt.timedelta(hours=3))
    request_log(actor=users.am1, customer=c, kind="other", channel="phone", summary="要检测报告")
    contact_log_create(actor=users.am1, customer=c, at=now - dt.timedelta(days=2), kind="phone", summary="例行沟通")
    visit = visit_book(actor=users.am1, customer=c, starts_at=at(2026, 6, 5, 10), ends_at=at(2026, 6, 5, 11),
                       purpose="送样", now=at(2026, 6, 1, 10))
    visit_record(actor=users.am1, visit=visit, purchase_plans="下季度补货", usage_problems="无", suggestions="无",
                 now=at(2026, 6, 5, 12))

    client.force_login(users.am1)
    page = body(client, f"/customers/{c.pk}/")
    # A2.1: 1000 + 800 + 500 − 300 this year; last year 4200 in full, 1200 to 15 June → +66.7%
    assert figure(page, "purchases") == "今年采购额 ¥2,000 较去年同期 +66.7%"
    assert "¥4,200" in figure(page, "purchases_last")
    assert figure(page, "open_orders").startswith("执行中订单 1") and "¥800" in figure(page, "open_orders")
    # A17.1: open = 600 (FP-1) + 500 (FP-2); overdue = FP-1's 600 since 1 May (45 days)
    assert "¥1,100" in figure(page, "receivable_open") and "2 张发票" in figure(page, "receivable_open")
    assert "¥600" in figure(page, "receivable_overdue") and "已逾期 45 天" in figure(page, "receivable_overdue")
    assert figure(page, "tickets").startswith("未完成工单 1") and "已逾期" in figure(page, "tickets")  # A11.1: 2 h
    assert figure(page, "requests").startswith("未关闭需求 1")
    assert "2 天前" in figure(page, "last_contact") and "电话" in figure(page, "last_contact")
    assert "10 天前" in figure(page, "last_visit") and "2026-06-05" in figure(page, "last_visit")
    assert "下一项义务" in figure(page, "next_obligation")
    assert "核心大客户" in figure(page, "tier") and "认定 2 次" in figure(page, "tier")
    assert "自 2025-12-20" in figure(page, "tier")


def test_header_figures_of_a_customer_without_activity(users, customer_factory, client, now):
    c = customer_factory("远景地产", manager=users.am1)
    client.force_login(users.am1)
    page = body(client, f"/customers/{c.pk}/")
    assert "¥0" in figure(page, "purchases") and "去年同期无采购" in figure(page, "purchases")
    assert "没有未收款项" in figure(page, "receivable_open")
    assert "没有记录" in figure(page, "last_contact") and "非大客户" in figure(page, "tier")
    assert "没有动态" in page


def _grow(users, c, n, now):
    from kam.demands.services import request_log
    from kam.dossier.services import section_confirm
    from kam.engagement.models import ContactLog, Visit
    from kam.service.services import ticket_open

    start = Visit.objects.count()
    for i in range(n):
        k = start + i
        order(c, f"SO-{k}", dt.date(2026, 1, 1) + dt.timedelta(days=k % 150), "100.00", status="open" if i % 2 else "delivered")
        inv = invoice_create(actor=None, customer=c, number=f"FP-{k}", issue_date=dt.date(2026, 1, 2),
                             due_date=dt.date(2026, 2, 2), amount=Decimal("100.00"))
        payment_record(actor=None, customer=c, reference=f"SK-{k}", paid_on=dt.date(2026, 3, 1),
                       amount=Decimal("50.00"), allocations=[(inv, Decimal("50.00"))])
        ContactLog.objects.create(customer=c, at=now - dt.timedelta(hours=k + 1), kind="phone", author=users.am1,
                                  summary=f"沟通 {k}")
        Visit.objects.create(customer=c, owner=users.am1, starts_at=now - dt.timedelta(days=k + 1),
                             ends_at=now - dt.timedelta(days=k + 1) + dt.timedelta(hours=1), purpose="拜访",
                             materials=["samples"], booked_at=now - dt.timedelta(days=k + 10))
    if n:
        ticket_open(actor=users.svc, customer=c, problem="问题", reported_at=now - dt.timedelta(hours=1))
        request_log(actor=users.am1, customer=c, kind="other", channel="phone", summary="需求")
        section_confirm(actor=users.am1, customer=c, section="basic")


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_a61_customer_page_queries_do_not_grow_with_orders_contacts_and_visits(users, account, client, now):
    """The header, the timeline and the sections: the same number of queries with 1 and with 50 orders,
    invoices, payments, contact logs and visits (aggregates and one query per timeline kind)."""
    client.force_login(users.head)
    _grow(users, account, 1, now)
    url = f"/customers/{account.pk}/"
    small = _count(client, url)
    _grow(users, account, 49, now)
    assert _count(client, url) == small
    assert _count(client, f"/customers/{account.pk}/activity/") <= small


def test_a61_timeline_has_every_kind_filters_by_kind_and_person_and_pages(users, account, client, now):
    from kam.demands.services import request_log
    from kam.dossier.services import dossier_update
    from kam.engagement.services import contact_log_create
    from kam.service.services import ticket_open

    c = account
    order(c, "SO-1", dt.date(2026, 6, 1), "1000.00")
    invoice_create(actor=None, customer=c, number="FP-1", issue_date=dt.date(2026, 6, 2), due_date=dt.date(2026, 7, 2),
                   amount=Decimal("1000.00"))
    contact_log_create(actor=users.am1, customer=c, at=now - dt.timedelta(hours=5), kind="wechat", topic="product",
                       summary="询问新品")
    contact_log_create(actor=users.head, customer=c, at=now - dt.timedelta(hours=4), kind="phone", summary="高层回访")
    ticket_open(actor=users.svc, customer=c, problem="床头板开裂", reported_at=now - dt.timedelta(hours=3))
    request_log(actor=users.am1, customer=c, kind="customisation", channel="phone", summary="前台背景墙定制")
    dossier_update(actor=users.am1, customer=c, pref_style="新中式")
    client.force_login(users.head)
    page = body(client, f"/customers/{c.pk}/")
    entries = page[page.index('id="timeline-entries"'):]
    for text in ("订单 SO-1", "发票 FP-1", "微信/企业微信沟通 · 产品使用体验", "高层回访", "售后工单", "定制需求",
                 "更新了「偏好」"):
        assert text in entries, text
    only_contacts = body(client, f"/customers/{c.pk}/?kind=contacts")
    part = only_contacts[only_contacts.index('id="timeline-entries"'):]
    assert "询问新品" in part and "售后工单" not in part and "订单 SO-1" not in part
    by_head = body(client, f"/customers/{c.pk}/?person={users.head.pk}")
    part = by_head[by_head.index('id="timeline-entries"'):]
    assert "高层回访" in part and "询问新品" not in part and "订单 SO-1" not in part  # ERP facts have no person
    # garbage filters are ignored, never a 500
    assert "询问新品" in body(client, f"/customers/{c.pk}/?kind=zzz&person=999999999999999999999&before=yesterday")


def test_timeline_pages_neither_repeat_nor_skip(users, account, now):
    """The cursor is the time of the last entry shown; a page ends where the time changes, so entries sharing a
    time are never split between pages."""
    from kam.engagement.models import ContactLog

    c = account
    same = now - dt.timedelta(hours=10)
    for i in range(7):
        ContactLog.objects.create(customer=c, at=now - dt.timedelta(hours=i + 1), kind="phone", author=users.am1,
                                  summary=f"A{i}")
    for i in range(3):
        ContactLog.objects.create(customer=c, at=same, kind="phone", author=users.am1, summary=f"B{i}")
    seen, before, pages = [], None, 0
    while True:
        t = timeline(user=users.head, customer=c, kinds=["contacts"], until=before, size=4)
        seen += [e.text for e in t.entries]
        pages += 1
        if t.before is None:
            break
        before = t.before
    assert sorted(seen) == sorted([f"A{i}" for i in range(7)] + [f"B{i}" for i in range(3)])
    assert len(seen) == len(set(seen)) and pages >= 3


def test_more_link_loads_the_next_page_as_a_fragment(users, account, client, now):
    from kam.engagement.models import ContactLog

    for i in range(60):
        ContactLog.objects.create(customer=account, at=now - dt.timedelta(minutes=i + 1), kind="phone",
                                  author=users.am1, summary=f"第{i}次")
    client.force_login(users.am1)
    page = body(client, f"/customers/{account.pk}/?kind=contacts")
    assert "第49次" in page and "第50次" not in page
    link = re.search(r'hx-get="([^"]+)"', page[page.index('id="timeline-entries"'):]).group(1).replace("&amp;", "&")
    assert "kind=contacts" in link and "before=" in link
    fragment = client.get(link, HTTP_HX_REQUEST="true").content.decode()
    assert "第50次" in fragment and "第59次" in fragment and "第49次" not in fragment
    assert "<html" not in fragment and 'hx-get="' not in fragment  # the last page: no further "更多"
    assert "第50次" in body(client, link)  # without htmx: a page of its own
    client.force_login(users.am2)  # another manager's customer: 404 (no existence leak)
    assert client.get(link).status_code == 404


def test_a132_a_visits_purchase_plan_appears_once_in_the_communication_records(users, account, client, now):
    from kam.engagement.services import visit_book, visit_record

    visit = visit_book(actor=users.am1, customer=account, starts_at=at(2026, 6, 5, 10), ends_at=at(2026, 6, 5, 11),
                       purpose="新品介绍", now=at(2026, 6, 1, 10))
    visit_record(actor=users.am1, visit=visit, purchase_plans="明年新开三家门店需要客房家具", usage_problems="抽屉异响",
                 suggestions="加快交付", now=at(2026, 6, 5, 12))
    client.force_login(users.am1)
    page = body(client, f"/customers/{account.pk}/")
    comms = page[page.index('id="section-communications"'):]
    comms = comms[:comms.index("</section>")]
    assert comms.count("明年新开三家门店") == 1 and "新品介绍" in comms
    timeline_part = page[page.index('id="timeline-entries"'):]
    assert timeline_part.count("明年新开三家门店") == 1  # the visit's entry; its contact log is not repeated
    assert body(client, "/engagement/contacts/").count("明年新开三家门店") == 0  # the list links to the visit


def test_specific_confirmations_on_dossier_actions(users, account, client, now):
    client.force_login(users.am1)
    response = client.post(f"/customers/{account.pk}/licenses/", {"name": "营业执照", "number": "N1",
                                                                  "expires_on": "2027-06-30"}, follow=True)
    assert "已添加证照「营业执照」（有效期至 2027-06-30）" in response.content.decode()
    response = client.post(f"/customers/{account.pk}/contacts/new/", {"name": "王经理", "title": "采购"}, follow=True)
    assert "已添加联系人「王经理」" in response.content.decode()
    page = body(client, f"/customers/{account.pk}/")
    assert 'data-label="电话"' in page and 'data-label="phone"' not in page  # channel labels in Chinese (phones)


#: issue 11: the customer page's queries — session and user (3), the customer, the classification, the dossier's
#: satellites in one query (section stamps, contacts, licences, the newest orders and their lines, the yearly
#: chart's aggregate, floor series, contracts, designations, tier changes, managers, open obligations, alerts, the
#: timeline's people, and the panels that give a queryset: tickets, requests, communications), the care chapter's
#: two panels (gifts, commitments: one query each, they load themselves), every chapter's header figures (one
#: query), the timeline (every kind in one query), the navigation's counters (one query) and the calendar's year
DOSSIER_MAX_QUERIES = 12  # 35 before issue 11's last step (33 before the care chapter, #14, added its two panels)


def _grow_tickets(users, c, n, now):
    from kam.demands.services import request_log
    from kam.service.services import ticket_open, ticket_open_for_repair

    for i in range(n):
        ticket_open(actor=users.svc, customer=c, problem=f"问题 {i}", reported_at=now - dt.timedelta(hours=i + 1))
        # a repair hand-off has no staff author: the timeline names the technician (never one query per row)
        ticket_open_for_repair(customer=c, summary=f"维修 {i}", at=now - dt.timedelta(hours=i + 2), now=now)
        request_log(actor=users.am1, customer=c, kind="other", channel="phone", summary=f"需求 {i}")


def test_a61_customer_page_runs_a_flat_bounded_number_of_queries_for_every_role(users, account, client, now):
    """A6.1, issue 11: the customer page costs the same few queries for one and for many contacts, orders,
    tickets and requests — whoever looks at it."""
    _grow(users, account, 1, now)
    _grow_tickets(users, account, 1, now)
    url = f"/customers/{account.pk}/"
    small = {}
    for who in ("head", "am1", "svc", "mgmt"):
        client.force_login(getattr(users, who))
        small[who] = _count(client, url)
        assert small[who] <= DOSSIER_MAX_QUERIES, (who, small[who])
    _grow(users, account, 30, now)
    _grow_tickets(users, account, 12, now)
    for who in ("head", "am1", "svc", "mgmt"):
        client.force_login(getattr(users, who))
        assert _count(client, url) == small[who], who
