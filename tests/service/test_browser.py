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
    page.wait_for_selector("text=已记录响应，首次响应时限已完成（提前")
    clocks = page.inner_text("#clocks")
    assert "已完成" in clocks and "A11.1" in clocks
    page.goto(f"{live_server.url}/queues/after_sales/")
    assert ticket.number not in page.inner_text("#queue")


def _key_account(customer_factory, name, manager):
    from kam.qualification.models import Designation, TierChange

    c = customer_factory(name, manager=manager)
    since = timezone.now() - dt.timedelta(days=100)
    d = Designation.objects.create(customer=c, source="initial_list", tier="core", started_at=since)
    TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=since)
    return c


def _numbers(page) -> list[str]:
    return [a.inner_text() for a in page.locator("#tickets tbody td:first-child a").all()]


def test_a_sorted_and_filtered_ticket_list_survives_a_reload(live_server, make_user, customer_factory, browser):  # noqa: F811
    """Issue 13: the list sorts by due by default; a filter and a sort chosen on the page are kept in the URL,
    so a reload (or a shared link) shows the same rows in the same order; a saved view brings them back."""
    from kam.service.services import ticket_open
    from kam.users.models import Role

    make_user("svc", Role.AFTER_SALES, display_name="吴强")
    am1 = make_user("am1", Role.ACCOUNT_MANAGER)
    now = timezone.now()
    hotels = [_key_account(customer_factory, name, am1) for name in ("华美酒店", "华润酒店", "远景地产")]
    from kam.users.models import User

    svc = User.objects.get(username="svc")
    late = ticket_open(actor=svc, customer=hotels[0], problem="A", reported_at=now - dt.timedelta(hours=3))
    soon = ticket_open(actor=svc, customer=hotels[1], problem="B", reported_at=now - dt.timedelta(minutes=20))
    other = ticket_open(actor=svc, customer=hotels[2], problem="C", reported_at=now - dt.timedelta(hours=1))

    page = browser.new_page(viewport={"width": 1366, "height": 900})
    login(page, live_server.url, "svc")
    page.goto(f"{live_server.url}/service/tickets/")
    assert _numbers(page) == [late.number, other.number, soon.number]  # by due: the breached one first
    page.fill("#list-servicetickets input[name=customer]", "华")
    page.click("#list-servicetickets button:has-text('筛选')")
    page.wait_for_url(lambda url: "customer=" in url)
    assert _numbers(page) == [late.number, soon.number]
    page.click("#tickets th a:has-text('截止')")  # the column is sorted ascending: a click sorts descending
    page.wait_for_url(lambda url: "sort=-due" in url)
    assert _numbers(page) == [soon.number, late.number]
    url = page.url
    page.reload()
    assert page.url == url and _numbers(page) == [soon.number, late.number]
    assert page.input_value("#list-servicetickets input[name=customer]") == "华"
    page.wait_for_function("document.querySelector('#tickets .countdown').textContent.startsWith('剩余')")
    # save the view, open the plain list, come back through the saved view
    page.click("#list-servicetickets summary")
    page.fill("#list-servicetickets input[name=name]", "华字头酒店")
    page.click("#list-servicetickets button:has-text('保存当前视图')")
    page.wait_for_url(lambda u: "view=" in u)
    page.goto(f"{live_server.url}/service/tickets/")
    assert _numbers(page) == [late.number, other.number, soon.number]
    page.click("#list-servicetickets summary")
    page.click("#list-servicetickets a:has-text('华字头酒店')")
    page.wait_for_url(lambda u: "view=" in u)
    assert _numbers(page) == [soon.number, late.number]


def test_closing_a_ticket_asks_first_and_records_the_confirmation(live_server, make_user, customer_factory,
                                                                  browser):  # noqa: F811
    from kam.service.models import Ticket
    from kam.service.services import ticket_open, ticket_resolve, ticket_respond
    from kam.users.models import Role

    svc = make_user("svc", Role.AFTER_SALES, display_name="吴强")
    am1 = make_user("am1", Role.ACCOUNT_MANAGER)
    c = _key_account(customer_factory, "华美酒店", am1)
    t = ticket_open(actor=svc, customer=c, problem="遥控器配对", reported_at=timezone.now() - dt.timedelta(hours=1))
    ticket_respond(actor=svc, ticket=t, note="电话指导", onsite_needed=False)
    ticket_resolve(actor=svc, ticket=t, resolution="远程解决")
    page = browser.new_page()
    login(page, live_server.url, "svc")
    page.goto(f"{live_server.url}/service/tickets/{t.pk}/")
    page.fill("#close-form input[name=confirmed_by]", "前台经理 王女士")
    page.select_option("#close-form select[name=confirmed_via]", "phone")
    page.click("#close-button")
    page.wait_for_selector("dialog.confirm[open]")
    assert "关闭工单？" in page.inner_text("dialog.confirm")
    page.click("#confirm-dialog-cancel")  # nothing happens
    assert Ticket.objects.get(pk=t.pk).status == "resolved"
    page.click("#close-button")
    page.click("#confirm-dialog-ok")
    page.wait_for_selector("text=工单已关闭：客户方 前台经理 王女士")
    t.refresh_from_db()
    assert t.status == "closed" and t.confirmed_by == "前台经理 王女士" and t.confirmed_via == "phone"
