"""Playwright on a phone viewport (390×844): am1 logs a contact and a visit record, and sees the
obligations turn met (A12.1, A13.2)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_am1_logs_contact_and_visit_record_on_a_phone(live_server, make_user, customer_factory, browser):  # noqa: F811
    from kam.obligations.store import reflect
    from kam.users.models import Role
    from tests.factories import DesignationFactory, VisitFactory

    am1 = make_user("am1", Role.ACCOUNT_MANAGER, display_name="李明")
    make_user("head", Role.HEAD_OF_SALES)
    c = customer_factory("华美酒店", manager=am1)
    since = timezone.now() - dt.timedelta(days=200)
    DesignationFactory(customer=c, tier="core", started_at=since)
    now = timezone.now()
    visit = VisitFactory(customer=c, owner=am1, starts_at=now - dt.timedelta(hours=3),
                         ends_at=now - dt.timedelta(hours=2), purpose="新品介绍", booked_at=now - dt.timedelta(days=3))
    reflect(customer_ids={c.pk})  # the facts above were written directly, as a sweep would see them

    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/my-day/")
    open_text = page.inner_text("#today") + page.inner_text("#overdue") + page.inner_text("#week")
    assert "华美酒店" in open_text and "A13.2" in open_text
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling

    page.goto(f"{live_server.url}/engagement/log/?customer={c.pk}")
    page.check("input[name=kind][value=wechat]")
    page.fill("#id_summary", "客户询问新款酒店床组交期")
    page.click("#save-contact")
    page.wait_for_url(lambda url: "/my-day/" in url)

    page.goto(f"{live_server.url}/engagement/visits/{visit.pk}/")
    page.fill("#id_purchase_plans", "明年新开三家门店")
    page.fill("#id_usage_problems", "衣柜滑轨异响")
    page.fill("#id_suggestions", "改用静音滑轨")
    page.click("#save-record")
    page.wait_for_selector("text=拜访记录已保存")

    page.goto(f"{live_server.url}/my-day/")
    done = page.inner_text("#done")
    assert "A12.1" in done and "A13.2" in done
    still_open = page.inner_text("#today") + page.inner_text("#overdue")
    assert "A13.2" not in still_open
