"""The provisional-calendar banner: shown to the administrator and the head of sales only, while this
year (or, in December, next year) has no official holiday schedule; at most one cheap query."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.template import RequestContext, Template
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from kam.calendar.context_processors import calendar_notice
from kam.calendar.models import CalendarYear
from kam.calendar.workdays import clear_cache, work_calendar

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _library_stops_at_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kam.calendar.workdays.library_covers", lambda year: 2004 <= year <= 2026)
    monkeypatch.setattr("kam.calendar.context_processors.library_covers", lambda year: 2004 <= year <= 2026)


@pytest.fixture
def on(monkeypatch: pytest.MonkeyPatch):
    def set_today(day: date) -> None:
        monkeypatch.setattr("kam.calendar.context_processors.timezone.localdate", lambda: day)

    return set_today


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_administrator_and_head_of_sales_see_it_in_december(users, on) -> None:
    on(date(2026, 12, 1))
    for user in (users.admin, users.head):
        notice = calendar_notice(_request(user))["calendar_notice"]
        assert notice.startswith("2027 年的法定节假日安排尚未录入")
        assert "按法定规则推算，暂定" in notice
        assert "全年已录入" in notice and "日历年份" in notice  # how to enter it


def test_others_do_not_see_it(users, on) -> None:
    on(date(2026, 12, 1))
    for user in (users.am1, users.mgmt, users.mkt, users.svc, users.fin, AnonymousUser()):
        assert calendar_notice(_request(user)) == {}


def test_not_before_december_and_gone_once_the_year_is_entered(users, on) -> None:
    on(date(2026, 11, 30))
    assert calendar_notice(_request(users.head)) == {}
    on(date(2027, 3, 1))  # the year itself is provisional: any month
    assert "2027" in calendar_notice(_request(users.head))["calendar_notice"]
    CalendarYear.objects.create(year=2027, complete=True)
    assert calendar_notice(_request(users.head)) == {}
    on(date(2026, 12, 1))
    assert calendar_notice(_request(users.admin)) == {}


def test_at_most_one_query_and_none_with_a_warm_calendar(users, on) -> None:
    on(date(2026, 12, 1))
    request = _request(users.head)
    assert users.head.has_role("head_of_sales")  # roles are read once per request (navigation does it too)
    clear_cache()
    with CaptureQueriesContext(connection) as ctx:
        assert calendar_notice(request)
    assert len(ctx.captured_queries) == 1
    work_calendar()
    with CaptureQueriesContext(connection) as ctx:
        assert calendar_notice(request)
    assert len(ctx.captured_queries) == 0
    on(date(2026, 6, 1))  # the library covers 2026: nothing to ask
    clear_cache()
    with CaptureQueriesContext(connection) as ctx:
        assert calendar_notice(request) == {}
    assert len(ctx.captured_queries) == 0


def test_template_renders_the_banner(users, on) -> None:
    on(date(2026, 12, 1))
    html = Template('{% include "calendar/_notice.html" %}').render(
        RequestContext(_request(users.admin), processors=[calendar_notice]))
    assert html.strip().startswith('<div class="banner warn" role="status">2027 年的法定节假日安排尚未录入')
    assert html.strip().endswith("</div>")
    quiet = Template('{% include "calendar/_notice.html" %}').render(
        RequestContext(_request(users.am1), processors=[calendar_notice]))
    assert quiet.strip() == ""
    assert render_to_string("calendar/_notice.html", {"calendar_notice": "<b>x</b>"}).count("&lt;b&gt;") == 1
