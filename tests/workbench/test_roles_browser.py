"""Every role on the demo data, in the browser (issue 13, "Tests"; Playwright driving Debian's chromium).

The module loads the demo dataset (`kam.demo.data.load_demo`: users head, mgmt, am1–am4, mkt, svc, fin, admin with
password kam-demo-2026) once, serves it from one live server and drives one browser, each user logged in once:

- each role's home page: every figure equals the total of the list it links to;
- the navigation stays on one line at 1366 px for every role;
- every page of every role (the navigation's pages, the pages they link to, one of each kind) answers and shows
  no untranslated enumeration value in the Chinese UI;
- a sorted, filtered, paged list with a chosen column survives a reload (the shared list component);
- a review submitted by the head of sales reaches management's 待我审批 and inbox; its approval reaches the head of
  sales and each account manager whose key accounts it changes (A5.1).

The tests share the dataset, so the one that changes it (the review) runs last; the module's fixture puts the
database back as the migrations left it at the end.
"""

from __future__ import annotations

import io
import os
import re
import time

import pytest

from tests.core.browser import BAR_LINES_JS, CHROMIUM, CHROMIUM_ARGS, FIGURES_JS, needs_chromium
from tests.core.listcount import list_count
from tests.core.untranslated import untranslated_on_page

# `django_db` (each test in a transaction) makes pytest-django create the test database; the demo and the log-ins
# are committed by the module's fixtures before any test's transaction opens
pytestmark = [needs_chromium, pytest.mark.django_db]

PASSWORD = "kam-demo-2026"
ROLES = ["head", "mgmt", "am1", "mkt", "svc", "fin", "admin"]  # one user per role
USERS = [*ROLES, "am2", "am3", "am4"]
DESKTOP = {"width": 1366, "height": 900}

#: what a walk never opens: leaving, downloads, the Django admin and the API (their own tests), the language switch
SKIP = re.compile(r"^/(?:logout|admin|api|i18n)/|export|download|\.(?:xlsx|csv|pdf|ics|png|json)(?:$|\?)|/ics/")


@pytest.fixture(scope="module")
def demo_site(chromium, django_db_setup, django_db_blocker):
    """The demo dataset in the test database and a live server on it, for the whole module. Playwright starts
    first: its set-up gives this thread a new context, and with it a new database connection — the server must
    share the one the tests' transactions use (SQLite in memory)."""
    from django.core.management import call_command
    from django.db import connection, connections
    from pytest_django.live_server_helper import LiveServer

    from kam.demo.data import load_demo

    with django_db_blocker.unblock():
        # what the migrations put in the database (policy version 1, …): the tests after this module expect it
        before = connection.creation.serialize_db_to_string()
        load_demo(stdout=io.StringIO())
        server = LiveServer("127.0.0.1:0")
        try:
            yield server.url
        finally:
            server.stop()
            call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True,  # as TransactionTestCase
                         reset_sequences=False)  # (PostgreSQL: the restored rows keep their ids below the sequence)
            connection.creation.deserialize_db_from_string(before)
            connections.close_all()  # this context's own connection (PostgreSQL: else the test database stays busy)


@pytest.fixture(scope="module")
def chromium():
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's event loop runs in this thread
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def as_user(demo_site, chromium):
    """as_user("head") → a page of a desktop browser context logged in as that demo user; every user logs in
    once, before the tests (so the sessions are committed whatever a test's transaction does)."""
    contexts = {}
    for username in USERS:
        context = chromium.new_context(viewport=DESKTOP, locale="zh-CN")
        page = context.new_page()
        page.errors = []
        page.on("pageerror", lambda exc, errors=page.errors: errors.append(str(exc)))
        page.goto(f"{demo_site}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        contexts[username] = (context, page)

    yield lambda username: contexts[username][1]
    for context, _page in contexts.values():
        context.close()


#: an account manager's home is "my day" itself: the count in each section's heading
SECTIONS_JS = """() => [...document.querySelectorAll('main section.card[id], main details.card[id]')]
  .map(s => ({id: s.id, heading: s.querySelector('h2, summary')}))
  .filter(s => s.heading && /（\\d+）/.test(s.heading.innerText))
  .map(s => ({id: s.id, count: Number(s.heading.innerText.match(/（(\\d+)）/)[1])}))"""


def test_every_roles_home_figures_equal_the_lists_they_link_to(demo_site, as_user):
    """Each demo user's home page: every figure is the total of the list behind its link (followed as a person
    would); an account manager's my-day sections count what /my-day/ lists in them, and the "my customers" line
    what the customer and key-account lists count; no page raises a script error."""
    checked: dict[str, dict[str, int]] = {}
    wrong = []
    for username in USERS:
        page = as_user(username)
        page.goto(f"{demo_site}/")
        figures = page.evaluate(FIGURES_JS)
        if username.startswith("am"):
            sections = page.evaluate(SECTIONS_JS)
            mine = re.search(r"共 (\d+) 个客户，其中大客户 (\d+) 个", page.inner_text("main"))
            assert mine, username
            figures += [{"key": f"my_day_{s['id']}", "count": s["count"], "href": f"/my-day/#{s['id']}"}
                        for s in sections]
            figures += [{"key": "customers", "count": int(mine.group(1)), "href": "/customers/"},
                        {"key": "key_accounts", "count": int(mine.group(2)), "href": "/designation/key-accounts/"}]
        for figure in figures:
            page.goto(demo_site + figure["href"])
            listed = list_count(page)
            if listed != figure["count"]:
                wrong.append((username, figure, listed))
        assert not page.errors, (username, page.errors)
        checked[username] = {f["key"]: f["count"] for f in figures}
    assert not wrong, wrong
    assert all(checked[u] for u in USERS), checked  # every role has figures to check
    # the demo shows up where it should (the comparison would pass vacuously on empty figures)
    assert checked["head"]["key_accounts"] == 24 and checked["head"]["compliance_breached"] > 0
    assert checked["mgmt"]["key_accounts"] == 24 and checked["admin"]["users_total"] == 10
    assert sum(checked[u]["key_accounts"] for u in ("am1", "am2", "am3", "am4")) == 24
    assert all(checked[u]["customers"] > 0 for u in ("am1", "am2", "am3", "am4"))


def test_the_navigation_stays_on_one_line_at_1366_px_for_every_role(demo_site, as_user):
    """Issue 13: the grouped menu does not wrap at 1366 px, whatever the role and its counts."""
    for username in ROLES:
        page = as_user(username)
        page.goto(f"{demo_site}/")
        bar = page.evaluate(BAR_LINES_JS)
        assert bar["pieces"] >= 4 and bar["oneLine"] and bar["height"] < 64 and bar["width"] <= 1366, (
            username, bar)


def _pattern(path: str) -> str:
    """/customers/12/contacts/ → /customers/N/contacts/ (one page of each kind is enough)."""
    return re.sub(r"/\d+(?=/|$)", "/N", path.split("?")[0].split("#")[0])


def _links(page, selector: str) -> list[str]:
    hrefs = page.evaluate(f"""() => [...document.querySelectorAll({selector!r})]
        .map(a => a.getAttribute('href')).filter(h => h && h.startsWith('/'))""")
    return list(dict.fromkeys(h.split("#")[0] for h in hrefs))


def _setting_keys() -> set[str]:
    from kam.policy.schema import default_values

    return set(default_values())


def test_every_page_of_every_role_is_in_chinese(demo_site, as_user):
    """Every page a role reaches from its menu (and one page of each kind those pages link to) answers 200 and
    its visible text — <details> opened — holds no ASCII identifier with `_` or `.` (`after_sales`,
    `demands.request.closed`): enumeration values, action codes, field names and setting keys are translated.
    Only the administrator sees the policy's setting keys, in small type (issue 13)."""
    started = time.monotonic()
    seen_patterns: set[str] = set()
    visited: dict[str, int] = {}
    problems: list[tuple[str, str, object]] = []
    for username in ROLES:
        page = as_user(username)
        allow = _setting_keys() if username == "admin" else set()
        page.goto(f"{demo_site}/")
        queue = [(href, 0) for href in ["/", *_links(page, "header a[href]")]]
        done: set[str] = set()
        while queue:
            href, depth = queue.pop(0)
            if href in done or SKIP.search(href):
                continue
            done.add(href)
            response = page.goto(demo_site + href)
            if response is None:
                continue
            if response.status != 200:
                problems.append((username, href, response.status))
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            visited[username] = visited.get(username, 0) + 1
            found = untranslated_on_page(page, allow)
            if found:
                problems.append((username, href, sorted(set(found))))
            seen_patterns.add(_pattern(href))
            if depth == 0:
                for link in _links(page, "main a[href]"):
                    pattern = _pattern(link)
                    if pattern not in seen_patterns and link not in done:
                        seen_patterns.add(pattern)
                        queue.append((link, 1))
    assert not problems, problems
    assert all(visited.get(u, 0) >= 5 for u in ROLES), visited
    assert sum(visited.values()) >= 60, visited
    print(f"walked {sum(visited.values())} pages in {time.monotonic() - started:.0f} s: {visited}")


def _rows(page, table: str) -> list[str]:
    return [row.inner_text() for row in page.locator(f"#{table} tbody tr").all()]


def test_a_sorted_filtered_paged_list_with_chosen_columns_survives_a_reload(demo_site, as_user):
    """The shared list component (kam/core/lists.py) on the head of sales' contact log: a filter, a sort by a
    column header, a chosen extra column and page 2 are all in the URL, so a reload shows the same rows, in the
    same order, with the same total, column and filter."""
    page = as_user("head")
    page.goto(f"{demo_site}/engagement/contacts/")
    tools = "#list-engagementcontacts"
    everything = list_count(page)
    page.select_option(f"{tools} select[name=kind]", "phone")
    page.click(f"{tools} button:has-text('筛选')")
    page.wait_for_url(lambda url: "kind=phone" in url)
    filtered = list_count(page)
    assert 0 < filtered < everything
    page.click("#contacts th a:has-text('客户')")
    page.wait_for_url(lambda url: "sort=customer" in url)
    page.click(f"{tools} summary")
    page.check(f"{tools} form.columns input[value=next_step]")
    page.click(f"{tools} form.columns button")
    page.wait_for_url(lambda url: "cols=" in url)
    assert page.locator("#contacts th", has_text="下一步").count() == 1
    if filtered > 50:  # a second page when there is one
        page.click(".pager a:has-text('下一页')")
        page.wait_for_url(lambda url: "page=2" in url)
    names = [c.inner_text() for c in page.locator("#contacts tbody td:nth-child(2)").all()]
    assert names == sorted(names) and len(names) > 1  # sorted by customer (the column's collation: by name)
    url, rows = page.url, _rows(page, "contacts")
    page.reload()
    assert page.url == url and _rows(page, "contacts") == rows
    assert list_count(page) == filtered
    assert page.input_value(f"{tools} select[name=kind]") == "phone"
    assert page.locator("#contacts th", has_text="下一步").count() == 1
    assert page.locator("#contacts th a.sort.asc", has_text="客户").count() == 1


def _inbox(page, base: str) -> str:
    page.goto(f"{base}/inbox/")
    return page.inner_text("main")


def test_a_review_reaches_management_and_its_approval_reaches_sales_and_the_managers_it_changes(demo_site,
                                                                                              as_user):
    """A5.1 with notifications (issue 13): the head of sales opens the annual review and submits the draft;
    management finds it first in 待我审批 (with the count in the menu) and in the inbox, and approves it; the
    head of sales hears of the approval, and each account manager whose customers became or stopped being key
    accounts hears which — a manager the review does not touch hears nothing."""
    from kam.qualification.models import Candidate, Review, ReviewStatus

    head = as_user("head")
    head.on("dialog", lambda dialog: dialog.accept())  # "submit a review that removes … ?" — yes
    head.goto(f"{demo_site}/designation/reviews/")
    head.click("text=开启评审并生成草稿")
    head.wait_for_selector("#candidates")
    review = Review.objects.exclude(status=ReviewStatus.APPROVED).get()
    head.click("#submit-review")
    head.wait_for_selector("text=已提交管理层审批")
    assert Review.objects.get(pk=review.pk).status == ReviewStatus.SUBMITTED

    mgmt = as_user("mgmt")
    mgmt.goto(f"{demo_site}/approvals/")
    first = mgmt.locator("#approvals tbody tr").first
    assert str(review) in first.inner_text() or "年度大客户评审" in first.inner_text()
    waiting = mgmt.locator("nav a[href='/approvals/'] .badge").first.inner_text()
    assert int(waiting) == mgmt.locator("#approvals tbody tr").count()
    assert "【待审批】" in _inbox(mgmt, demo_site) and str(review) in _inbox(mgmt, demo_site)
    mgmt.goto(f"{demo_site}/approvals/")
    mgmt.locator("#approvals tbody tr").first.locator("a:has-text('去审批')").click()
    mgmt.wait_for_url(lambda url: f"/designation/reviews/{review.pk}/" in url)
    mgmt.on("dialog", lambda dialog: dialog.accept())
    mgmt.click("#approve-review")
    mgmt.wait_for_selector("text=已批准")
    mgmt.goto(f"{demo_site}/approvals/")
    assert str(review) not in mgmt.inner_text("main")

    inbox = _inbox(as_user("head"), demo_site)
    assert str(review) in inbox and "已批准" in inbox

    changed: dict[str, list[str]] = {}
    for c in Candidate.objects.filter(review=review).select_related("customer__account_manager"):
        if c.included != c.currently_key:
            changed.setdefault(c.customer.account_manager.username, []).append(c.customer.name)
    assert changed, "the demo review changes no key account"
    for username in ("am1", "am2", "am3", "am4"):
        inbox = _inbox(as_user(username), demo_site)
        if username in changed:
            assert "【大客户名单变化】" in inbox, username
            for name in changed[username]:
                assert name in inbox, (username, name)
        else:
            assert "【大客户名单变化】" not in inbox, username
