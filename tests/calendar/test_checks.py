"""System check kam.calendar.W001: from 1 December, warn when next year's schedule is missing
(it drives A13.1 lead times and G.3 clocks from 1 January)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import OperationalError

from kam.calendar import checks
from kam.calendar.checks import W001, check_calendar_coverage, coverage_warnings
from kam.calendar.models import CalendarYear
from kam.calendar.workdays import clear_cache


def test_pure_logic() -> None:
    this_year_only = lambda y: y == 2030  # noqa: E731
    [message] = coverage_warnings(date(2030, 12, 1), covered=this_year_only)
    assert message.id == W001
    assert "2031" in message.msg and "2030" not in message.msg
    assert "暂定日历运行" in message.msg  # reworded: the system runs on a provisional calendar
    assert "calendar_year" in message.hint and "全年已录入" in message.hint
    assert coverage_warnings(date(2030, 11, 30), covered=this_year_only) == []  # not yet December
    assert coverage_warnings(date(2030, 12, 31), covered=lambda y: y in (2030, 2031)) == []
    # the current year running provisionally is worth a warning in any month
    [message] = coverage_warnings(date(2031, 3, 1), covered=this_year_only)
    assert "2031" in message.msg
    [both] = coverage_warnings(date(2030, 12, 1), covered=lambda y: False)
    assert "2030、2031" in both.msg


@pytest.mark.django_db
def test_warns_on_december_first_when_next_year_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    # make the test independent of the installed chinesecalendar release: pretend it stops at 2026
    monkeypatch.setattr("kam.calendar.workdays.library_covers", lambda year: year <= 2026)
    messages = check_calendar_coverage(None, today=date(2026, 12, 1))
    assert [m.id for m in messages] == ["kam.calendar.W001"]
    assert "2027" in messages[0].msg
    assert check_calendar_coverage(None, today=date(2026, 11, 30)) == []


@pytest.mark.django_db
def test_complete_admin_year_silences_the_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kam.calendar.workdays.library_covers", lambda year: year <= 2026)
    CalendarYear.objects.create(year=2027, complete=False)
    assert len(check_calendar_coverage(None, today=date(2026, 12, 1))) == 1
    CalendarYear.objects.filter(year=2027).update(complete=True)
    clear_cache()  # update() sends no signal
    assert check_calendar_coverage(None, today=date(2026, 12, 1)) == []


@pytest.mark.django_db
def test_missing_tables_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before `migrate` the tables do not exist: the check must not crash."""

    def boom(year: int) -> bool:
        raise OperationalError("no such table: calendar_calendaryear")

    monkeypatch.setattr(checks, "coverage_warnings", lambda today: coverage_warnings(today, covered=boom))
    assert check_calendar_coverage(None, today=date(2026, 12, 1)) == []


def test_check_is_registered() -> None:
    from django.core.checks import registry

    assert check_calendar_coverage in registry.registry.get_checks()
