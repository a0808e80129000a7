"""The search box in the top bar, in Chromium (issue 13; Playwright driving Debian's chromium): typing "mj" shows
the head of sales both 美居 customers in the drop-down and am1 only their own (A9.2); Enter opens the results page;
the arrow keys reach the hits; on a phone the box stands under the bar without opening the menu."""

from __future__ import annotations

import pytest

from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def customers(users, customer_factory):
    mine = customer_factory("佛山美居家具有限公司", manager=users.am1, short_name="美居")
    theirs = customer_factory("明江美居置业有限公司", manager=users.am2, city="东莞")
    customer_factory("广州华锦酒店管理有限公司", manager=users.am1, city="广州")
    return mine, theirs


def _type_in_nav_box(page, text: str) -> str:
    page.click("#nav-search")
    page.keyboard.type(text, delay=40)  # as a person types: the drop-down waits for a pause (debounced)
    page.wait_for_selector("#nav-search-results .suggest-all", timeout=10_000)
    return page.inner_text("#nav-search-results")


def test_typing_mj_in_the_nav_box_finds_own_customers_only(live_server, users, customers, browser):  # noqa: F811
    mine, theirs = customers
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/")
    shown = _type_in_nav_box(page, "mj")
    assert mine.name in shown and theirs.name in shown
    page.keyboard.press("ArrowDown")  # the first hit takes the focus; Enter follows it
    assert page.evaluate("document.activeElement.classList.contains('suggest-item')")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/customers/*/")
    assert page.locator("h1").first.inner_text().startswith(("佛山美居", "明江美居"))
    context.close()

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/")
    shown = _type_in_nav_box(page, "mj")
    assert mine.name in shown and theirs.name not in shown  # A9.2: another manager's customer is not found
    page.keyboard.press("Enter")  # in the box: the results page
    page.wait_for_url(f"{live_server.url}/search/?q=mj")
    results = page.inner_text("main")
    assert mine.name in results and theirs.name not in results
    page.keyboard.press("Escape")
    assert not errors, errors
    context.close()


def test_search_box_on_a_phone(live_server, users, customers, browser):  # noqa: F811
    mine, _theirs = customers
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    login(page, live_server.url, "am1")
    page.goto(f"{live_server.url}/")
    assert page.locator("#nav-search").is_visible() and not page.locator(".nav").is_visible()
    shown = _type_in_nav_box(page, "美居")
    assert mine.name in shown
    box = page.locator("#nav-search-results").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click("#nav-search-results .suggest-item")
    page.wait_for_url(f"{live_server.url}/customers/{mine.pk}/")
    context.close()
