"""Every enumeration value is translated wherever it shows (issue 13): the customer page, its timeline, and the
pages of tickets (A11), requests (A15), contact logs and visits (A12, A13) — read as the head of sales, an
account manager and after-sales would — contain no ASCII identifier with "_" or "." in their visible text
(`after_sales`, `quotation、catalogue`, `customer_later_date`, `on_site` …)."""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db

IDENTIFIER = re.compile(r"(?<![\w@/.])[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+(?![\w@/])")
ENUM_WORDS = re.compile(r"(?<![\w/@.-])(quotation|catalogue|samples|service_history|after_sales|marketing|finance|"
                        r"customisation|delivery_change|repair|wechat|phone|email|responded|scheduled|on_site|"
                        r"resolved|closed|escalated|assigned|solved|booked|confirmed|cancelled|needs|product|"
                        r"cooperation|customer_unavailable|customer_later_date|upcoming|due_soon|breached|met_late)"
                        r"(?![\w/@.-])")


def visible_text(page: str) -> str:
    """What a reader sees: no scripts, styles, JSON data islands, tags or attribute values."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S | re.I)
    page = re.sub(r"<[^>]+>", " ", page)
    return html.unescape(page)


@pytest.fixture
def world(users, key_account):
    from kam.demands import services as ds
    from kam.engagement import services as es
    from kam.orders.services import LineIn, order_create
    from kam.receivables.services import invoice_create
    from kam.service import services as ss

    c = key_account("华美酒店")
    now = dt.datetime.now(dt.UTC)
    order_create(actor=None, customer=c, number="SO-1", order_date=dt.date.today(), status="open",
                 lines=[LineIn("床组", "HB", Decimal("1"), Decimal("100"))])
    invoice_create(actor=None, customer=c, number="FP-1", issue_date=dt.date.today() - dt.timedelta(days=60),
                   due_date=dt.date.today() - dt.timedelta(days=30), amount=Decimal("100"))
    t1 = ss.ticket_open(actor=users.svc, customer=c, problem="开裂", reported_at=now - dt.timedelta(hours=3))
    t2 = ss.ticket_open(actor=users.svc, customer=c, problem="改期", reported_at=now - dt.timedelta(hours=2))
    ss.ticket_respond(actor=users.svc, ticket=t2, note="x", onsite_needed=True)
    ss.ticket_pause(actor=users.svc, ticket=t2, reason="customer_later_date", later_date=dt.date.today())
    t3 = ss.ticket_open(actor=users.svc, customer=c, problem="上门", reported_at=now - dt.timedelta(hours=1))
    ss.ticket_respond(actor=users.svc, ticket=t3, note="x", onsite_needed=True)
    ss.ticket_schedule(actor=users.svc, ticket=t3, scheduled_for=now + dt.timedelta(hours=1), technician=users.svc)
    ss.ticket_on_site(actor=users.svc, ticket=t3)
    ss.ticket_resolve(actor=users.svc, ticket=t3, resolution="修好")
    ss.ticket_close(actor=users.svc, ticket=t3, confirmed_by="王经理", confirmed_via="on_site")
    r1 = ds.request_log(actor=users.am1, customer=c, kind="delivery_change", channel="wechat", summary="改送")
    ds.request_escalate(actor=users.am1, request=r1, note="需要售后")
    ds.request_assign(actor=users.head, request=r1, department="after_sales", assignee=users.svc)
    r2 = ds.request_log(actor=users.am1, customer=c, kind="customisation", channel="email", summary="定制")
    es.contact_log_create(actor=users.am1, customer=c, at=now - dt.timedelta(hours=1), kind="wechat",
                          topic="cooperation", summary="沟通")
    visit = es.visit_book(actor=users.am1, customer=c, starts_at=now + dt.timedelta(days=10),
                          ends_at=now + dt.timedelta(days=10, hours=1), purpose="送样",
                          materials=["samples", "quotation", "service_history", "catalogue"],
                          override_reason="客户要求")
    return {"customer": c, "tickets": (t1, t2, t3), "requests": (r1, r2), "visit": visit}


@pytest.mark.parametrize("who", ["head", "am1", "svc"])
def test_no_untranslated_enumeration_values_on_these_pages(who, users, world, client):
    c, v = world["customer"], world["visit"]
    urls = [f"/customers/{c.pk}/", f"/customers/{c.pk}/activity/", "/service/tickets/", "/requests/",
            "/requests/new/", "/engagement/contacts/", "/engagement/visits/", f"/engagement/visits/{v.pk}/",
            "/engagement/calendar/", "/engagement/log/", "/engagement/visits/new/"]
    urls += [f"/service/tickets/{t.pk}/" for t in world["tickets"]]
    urls += [f"/requests/{r.pk}/" for r in world["requests"]]
    if who != "am1":
        urls += ["/service/care/new/"]
    if who != "svc":
        urls += ["/service/tickets/new/"]
    client.force_login(getattr(users, who))
    checked = 0
    for url in urls:
        response = client.get(url)
        if response.status_code in (403, 404):
            continue
        assert response.status_code == 200, (who, url, response.status_code)
        text = visible_text(response.content.decode())
        assert not IDENTIFIER.findall(text), (who, url, IDENTIFIER.findall(text))
        assert not ENUM_WORDS.findall(text), (who, url, ENUM_WORDS.findall(text))
        checked += 1
    assert checked >= 12


def test_customer_list_translates_enumeration_labels_once_per_page_not_per_row(users, key_account, client,
                                                                               monkeypatch):
    """Issue 11: the customer list's types and tiers are shown in Chinese, and the number of translations a page
    asks for does not grow with its rows (labels translated once per page)."""
    from django.utils import translation

    calls = []
    real = translation._trans.gettext

    def counting(message):
        calls.append(message)
        return real(message)

    for i in range(3):
        key_account(f"核心客户{i}")
    client.force_login(users.head)
    client.get("/customers/")  # warm: the menu and templates load once
    monkeypatch.setattr(translation._trans, "gettext", counting)
    page = client.get("/customers/").content.decode()
    few = len(calls)
    assert "核心大客户" in page and "酒店" in page
    for i in range(30):
        key_account(f"更多客户{i:02d}")
    calls.clear()
    page = client.get("/customers/").content.decode()
    assert len(calls) == few, (few, len(calls))
    assert visible_text(page).count("核心大客户") >= 33
