"""Playwright: svc responds to a ticket from the after-sales queue and the countdown turns met (A11.1)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def test_svc_responds_from_the_queue(live_server, make_user, customer_factory, browser):  # noqa: F811
    from kam.service.services import ticket_open
    from kam.users.models import Role
    from tests.factories import DesignationFactory

    svc = make_user("svc", Role.AFTER_SALES, display_name="吴强")
    am1 = make_user("am1", Role.ACCOUNT_MANAGER)
    c = customer_factory("华美酒店", manager=am1)
    since = timezone.now() - dt.timedelta(days=100)
    DesignationFactory(customer=c, tier="core", started_at=since)
    ticket = ticket_open(actor=svc, customer=c, problem="客房床头板开裂", reported_at=timezone.now() - dt.timedelta(minutes=30))

    page = browser.new_page()
    login(page, live_server.url, "svc")
    page.goto(f"{live_server.url}/queues/after_sales/")
    item = page.locator("#queue .clock").first
    assert "A11.1" in item.inner_text()
    page.wait_for_function("document.querySelector('#queue .countdown').textContent.startsWith('剩余')")
    item.locator("a", has_text=ticket.number).click()
    page.wait_for_selector("#respond-form")
    page.fill("#note", "已电话联系客户，远程指导")
    page.select_option("#respond-form select[name=onsite_needed]", "0")
    page.click("#respond-button")
    page.wait_for_selector("text=已更新")
    clocks = page.inner_text("#clocks")
    assert "已完成" in clocks and "A11.1" in clocks
    page.goto(f"{live_server.url}/queues/after_sales/")
    assert ticket.number not in page.inner_text("#queue")
