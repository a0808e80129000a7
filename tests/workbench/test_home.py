"""Home pages per role (issue 13): the registered panels of each role, figures that equal the lists they link to,
a flat number of queries whatever the number of accounts, no untranslated values; the panel registry with the
reserved receivables slot; the grouped navigation without pages that are always empty."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.core import home as registry
from tests.core.untranslated import text_of_html, untranslated, untranslated_in_html

pytestmark = pytest.mark.django_db

PANELS = {
    "head": {"panel-approvals-waiting", "panel-obligations-my_summary", "panel-obligations-compliance",
             "panel-obligations-overdue", "panel-qualification-programme", "panel-qualification-purchases",
             "panel-service-sla", "panel-demands-sla", "panel-obligations-risks", "panel-qualification-flags"},
    "mgmt": {"panel-approvals-waiting", "panel-obligations-trend", "panel-qualification-programme",
             "panel-qualification-purchases", "panel-service-sla", "panel-demands-sla", "panel-obligations-risks",
             "panel-qualification-flags"},
    "am1": {"panel-obligations-my_day", "panel-workbench-accounts"},
    "svc": {"panel-obligations-queue-after_sales", "panel-service-assigned", "panel-demands-assigned"},
    "mkt": {"panel-obligations-queue-marketing", "panel-demands-assigned"},
    "fin": {"panel-obligations-queue-finance", "panel-demands-assigned"},
    "admin": {"panel-users-accounts", "panel-obligations-sweep", "panel-notify-outbox", "panel-calendar-years"},
}


def _get(client, url="/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


def _figures(body: str) -> dict[str, tuple[int, str]]:
    """data-figure key -> (count, link) of the figures that count rows."""
    found = {}
    for tag in re.findall(r"<a href=\"[^\"]*\"[^>]*data-figure=\"[^\"]+\"[^>]*data-count=\"\d+\"", body):
        href = re.search(r'href="([^"]*)"', tag).group(1).replace("&amp;", "&")
        key = re.search(r'data-figure="([^"]+)"', tag).group(1)
        found[key] = (int(re.search(r'data-count="(\d+)"', tag).group(1)), href)
    return found


def test_every_role_gets_its_own_home_page_translated(users, home_data, client):
    """Head of sales, management, account manager, after-sales, marketing, finance, administrator: each home
    page shows the panels registered for the role, none failing, no internal value in the text."""
    home_data.add(2)
    home_data.extras()
    for name, expected in PANELS.items():
        client.force_login(getattr(users, name))
        _n, body = _get(client)
        shown = set(re.findall(r'id="(panel-[^"]+)"', body))
        assert shown == expected, (name, shown ^ expected)
        assert "panel-error" not in body, name
        assert untranslated_in_html(body) == [], (name, untranslated_in_html(body))


def test_head_of_sales_home_is_her_dashboard_not_my_day(users, client):
    """Before issue 13 the head of sales was sent to my day; now `/` is her home page, my day stays a page."""
    client.force_login(users.head)
    response = client.get("/")
    assert response.status_code == 200 and 'id="panel-obligations-compliance"' in response.content.decode()
    assert client.get("/my-day/").status_code == 200


def test_account_manager_home_is_my_day_plus_a_row_per_own_account(users, home_data, client):
    home_data.add(2)
    client.force_login(users.am1)
    _n, body = _get(client)
    for section in ('id="overdue"', 'id="today"', 'id="week"', 'id="done"'):
        assert section in body
    table = body[body.index('id="accounts"'):]
    table = table[:table.index("</table>")]
    assert table.count("<tr>") == 1 + 2  # header + own accounts only
    assert "首页测试客户001" in table and "首页测试客户002" in table and "首页测试客户003" not in table  # am2's
    assert "核心大客户" in table and "普通大客户" in table  # the tier
    assert table.count("#section-tickets\">1<") == 2 and table.count("#section-requests\">1<") == 2  # open ones
    assert table.count("（3 天前）") == 2  # the last contact


def test_home_query_count_is_flat_with_2_and_20_accounts_per_manager(users, home_data, client):
    """Every panel reads indexed rows and aggregates: for every role, the same number of queries with 2 and with 20
    key accounts per manager (and their tickets, requests, orders, contact logs)."""
    home_data.add(2)
    home_data.extras()

    def counts() -> dict[str, int]:
        result = {}
        for name in PANELS:
            client.force_login(getattr(users, name))
            _get(client)  # warm the short-lived caches (policy, working calendar)
            result[name], _body = _get(client)
        return result

    small = counts()
    home_data.add(18)
    large = counts()
    assert large == small
    client.force_login(users.am1)
    assert _get(client)[1].count("首页测试客户") >= 20  # the twenty accounts are on the page


def test_head_figures_equal_the_lists_they_link_to(users, home_data, client):
    """Each count on the head of sales' page is the number of rows of the list behind it (client side; the
    browser test does the same for every role)."""
    home_data.add(3)
    home_data.extras()
    client.force_login(users.head)
    _n, body = _get(client)
    figures = _figures(body)
    assert {"compliance_breached", "compliance_open", "compliance_met", "approvals_waiting", "key_accounts",
            "key_accounts_core", "tickets_open", "requests_open", "overdue_total"} <= set(figures)
    assert figures["key_accounts"][0] == 6 and figures["key_accounts_core"][0] == 3
    assert figures["approvals_waiting"][0] == 1  # the request escalated and not yet assigned
    for key in ("compliance_breached", "compliance_open", "compliance_met", "overdue_total"):
        count, url = figures[key]
        _q, page = _get(client, url)
        total = re.search(r"共 (\d+) 项", text_of_html(page))
        assert total and int(total.group(1)) == count, (key, count, total and total.group(0))


def test_registry_renders_registered_panels_by_role_and_keeps_the_receivables_slot(users, client, monkeypatch):
    """A chapter plugs a panel in without the workbench importing it: the receivables chapter's panel lands in its
    reserved slot (after the service levels, before the risks); a panel with nothing to show is left out; a
    failing panel is shown as such and the rest of the page still renders."""
    monkeypatch.setattr(registry, "_panels", list(registry._panels))
    key, order = registry.RECEIVABLES_SLOT

    def receivables(*, user, now):
        return registry.PanelData(figures=[registry.Figure("overdue_90", "逾期 90 天以上", 2, "/receivables/")])

    def broken(*, user, now):
        raise RuntimeError("boom")

    registry.register_panel(
        registry.HomePanel(key, "逾期应收（按账龄）", ("head_of_sales", "management", "finance"), receivables,
                           order=order),
        registry.HomePanel("test.nothing", "不显示", ("head_of_sales",), lambda *, user, now: None, order=55),
        registry.HomePanel("test.broken", "出错的面板", ("head_of_sales",), broken, order=56))
    client.force_login(users.head)
    _n, body = _get(client)
    ids = re.findall(r'id="(panel-[^"]+)"', body)
    assert ids.index("panel-demands-sla") < ids.index("panel-receivables-overdue") < ids.index(
        "panel-obligations-risks")
    assert "逾期应收（按账龄）" in body and "不显示" not in body
    assert 'id="panel-test-broken"' in body and "panel-error" in body and "这一部分暂时无法显示" in body
    client.force_login(users.am1)
    assert "逾期应收" not in _get(client)[1]
    client.force_login(users.fin)
    assert "逾期应收" in _get(client)[1]


def test_figures_are_counts_linked_to_lists_and_charts_have_a_table_view(users, home_data, client):
    home_data.add(2)
    client.force_login(users.mgmt)
    _n, body = _get(client)
    charts = re.findall(r'data-kchart="([^"]+)"', body)
    assert charts and all(f'id="{c}-table"' in body for c in charts)  # each chart's numbers as a table
    assert all(f'id="{c}"' in body for c in charts)  # and its data (json_script)
    assert "查看数据表" in body


def test_compliance_headers_carry_the_rules_short_titles(users, home_data, client):
    """Issue 13: the overview's columns are headed 「A12.1 远程沟通频率」 (id and short title), linked to the rule."""
    home_data.add(1)
    client.force_login(users.head)
    _n, body = _get(client, "/compliance/")
    head = body[body.index("<thead>"):body.index("</thead>")]
    assert "A12.1</a><span class=\"rule-title\">远程沟通频率</span>" in head
    assert "/policy/#rule-A12-1" in head
    assert "after_sales" not in text_of_html(body)  # a row owned by a role reads as the role


def test_compliance_drill_down_parts_add_up_to_the_overview(users, home_data, client):
    from kam.obligations import selectors

    home_data.add(2)
    overview = selectors.compliance(user=users.head)
    totals = {part: sum(c.get(part, 0) for row in overview.rows for c in row.cells.values())
              for part in selectors.CELL_STATES}
    for part, n in totals.items():
        assert selectors.drill_down(user=users.head, state=part).count() == n, part
    client.force_login(users.head)
    _q, page = _get(client, "/compliance/?state=breached")
    assert f"共 {totals['breached']} 项" in text_of_html(page)


def test_untranslated_helper_finds_internal_values_and_spares_rule_ids():
    text = ("已逾期 A12.1 · 第十二条 G.3 售后服务部 after_sales demands.request.closed 1.5 小时 "
            "head@kam.example.com https://x.example/a_b floor_price:沙发 2026-W48 ¥1,234.56")
    assert untranslated(text) == ["after_sales", "demands.request.closed", "floor_price"]
    assert untranslated("完成率 94%（177/189）") == []


def _menu(body: str) -> str:
    return body[body.index('<nav class="nav"'):body.index("</nav>")]


def test_navigation_is_grouped_and_offers_no_page_that_is_always_empty(users, home_data, client):
    """Menus grouped 工作台 · 客户 · 服务 · 评审与政策 · 管理; the administrator (who sees no customer) is not offered
    the customer pages; "待我审批" shows with its count for the approvers, and not to a role nothing ever waits
    for; the account manager's home is their day (no second entry for it)."""
    home_data.add(1)
    home_data.extras()
    client.force_login(users.head)
    menu = _menu(_get(client)[1])
    for group in ("客户", "服务", "评审与政策", "管理"):
        assert f">{group}" in menu
    assert re.search(r'href="/approvals/"[^>]*>待我审批 <span class="badge">1</span>', menu)
    assert 'href="/customers/"' in menu and 'href="/my-day/"' in menu
    client.force_login(users.admin)
    menu = _menu(_get(client)[1])
    assert 'href="/customers/"' not in menu and 'href="/designation/key-accounts/"' not in menu
    assert 'href="/approvals/"' not in menu and 'href="/system/"' in menu
    client.force_login(users.am1)
    menu = _menu(_get(client)[1])
    assert 'href="/my-day/"' not in menu and 'href="/approvals/"' not in menu and 'href="/customers/"' in menu


def test_review_list_offers_opening_a_review_to_the_head_of_sales_only(users, client):
    """A5.1: only the head of sales may open a review; nobody else is offered a button that would only refuse."""
    client.force_login(users.am1)
    assert "开启评审并生成草稿" not in _get(client, "/designation/reviews/")[1]
    client.force_login(users.mgmt)
    assert "开启评审并生成草稿" not in _get(client, "/designation/reviews/")[1]
    client.force_login(users.head)
    assert "开启评审并生成草稿" in _get(client, "/designation/reviews/")[1]


def test_queue_views_match_the_figures(users, home_data, client):
    """A4: a department's queue narrowed to due soon, breached, done this week or mine counts what the home
    page's figures say."""
    home_data.add(1)
    home_data.extras()
    client.force_login(users.mkt)
    figures = _figures(_get(client)[1])
    assert figures["queue_marketing_mine"][0] == 1  # the request assigned to marketing's person
    for key in ("queue_marketing_due_soon", "queue_marketing_breached", "queue_marketing_done",
                "queue_marketing_mine"):
        count, url = figures[key]
        total = re.search(r"共 (\d+) 项", text_of_html(_get(client, url)[1]))
        assert total and int(total.group(1)) == count, key
