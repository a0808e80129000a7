"""Home pages and navigation in the browser, per role (issue 13; Playwright driving Debian's chromium): every
figure equals what the list it links to counts, charts are drawn and have a table view, nothing untranslated
shows, and the grouped navigation stays on one line at 1366 px (and becomes sections in the phone menu)."""

from __future__ import annotations

import pytest

from tests.core.browser import BAR_LINES_JS, FIGURES_JS, browser, login, needs_chromium  # noqa: F401 - fixture
from tests.core.listcount import list_count
from tests.core.untranslated import assert_page_translated

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]

ROLES = ["head", "mgmt", "am1", "svc", "mkt", "fin", "admin"]

def _open_home(browser, base: str, username: str, viewport: dict):  # noqa: F811
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    login(page, base, username)
    page.goto(f"{base}/")
    return context, page


def test_home_figures_equal_the_linked_lists_for_every_role(live_server, users, home_data, browser):  # noqa: F811
    """For each role: every count on the home page is the number of rows of the list behind it; the charts are
    drawn (SVG) and their numbers open as a table; the page shows no untranslated value."""
    home_data.add(2)
    home_data.extras()
    checked = {}
    for username in ROLES:
        context, page = _open_home(browser, live_server.url, username, {"width": 1366, "height": 900})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))  # noqa: B023 - read before the next context
        page.reload()
        charts = page.locator("[data-kchart]")
        for i in range(charts.count()):
            charts.nth(i).locator("svg").first.wait_for(timeout=10_000)
        if charts.count():
            details = page.locator("details.chart-table").first
            details.locator("summary").click()
            assert details.locator("table").is_visible()
        assert_page_translated(page)
        figures = page.evaluate(FIGURES_JS)
        for figure in figures:
            page.goto(live_server.url + figure["href"])
            assert list_count(page) == figure["count"], (username, figure)
        assert not errors, (username, errors)
        checked[username] = {f["key"]: f["count"] for f in figures}
        context.close()
    # the dataset shows up where it should (the test would pass vacuously on empty figures)
    assert checked["head"]["key_accounts"] == 4 and checked["head"]["approvals_waiting"] == 1
    assert checked["head"]["compliance_breached"] > 0 and checked["head"]["tickets_open"] == 4
    assert checked["mgmt"]["approvals_waiting"] == 1
    assert checked["mkt"]["queue_marketing_mine"] == 1 and checked["fin"]["queue_finance_mine"] == 1
    assert checked["admin"]["users_total"] == 8 and checked["admin"]["logins_ok"] >= 7


def test_navigation_stays_on_one_line_at_1366_for_every_role(live_server, users, home_data, browser):  # noqa: F811
    """Issue 13: grouped menus (工作台 · 客户 · 服务 · 评审与政策 · 管理) so that no role's menu wraps at 1366 px,
    with the counts beside the entries; the groups drop down on the desktop and are sections on the phone."""
    home_data.add(1)
    home_data.extras()  # counts in the bar: "待我审批" and the queues
    for username in ROLES:
        context, page = _open_home(browser, live_server.url, username, {"width": 1366, "height": 900})
        bar = page.evaluate(BAR_LINES_JS)
        assert bar["oneLine"] and bar["height"] < 64 and bar["width"] <= 1366, (username, bar)
        group = page.locator(".nav-group:not(.inline)").first
        if group.count():
            group.hover()
            assert group.locator(".nav-menu a").first.is_visible()
        context.close()
    context, page = _open_home(browser, live_server.url, "head", {"width": 390, "height": 844})
    assert not page.locator(".nav").is_visible()
    page.click(".nav-burger")
    for label in ("工作台", "客户", "服务", "评审与政策"):
        assert page.locator(".nav-group-label", has_text=label).first.is_visible(), label
    assert page.locator(".nav a", has_text="大客户").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
