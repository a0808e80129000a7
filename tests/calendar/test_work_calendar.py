"""WorkCalendar: an immutable calendar value the rule engine can evaluate without the database.

These tests are plain functions without the `db` fixture: pytest-django blocks every database access
in them (the first test shows it), so whatever they compute is computed from the value alone."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from kam.calendar.workdays import CalendarDataMissing, WorkCalendar, work_calendar

SH = ZoneInfo("Asia/Shanghai")
NINE, SIX_PM = time(9, 0), time(18, 0)
TODAY = date(2026, 12, 1)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


@pytest.fixture(autouse=True)
def _library_stops_at_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """Independent of the installed chinesecalendar release: 2027 has no official schedule."""
    monkeypatch.setattr("kam.calendar.workdays.library_covers", lambda year: 2004 <= year <= 2026)


def test_the_database_is_really_blocked_in_these_tests() -> None:
    with pytest.raises(RuntimeError, match="Database access not allowed"):
        work_calendar()


# A rule-style computation, as the engine does it (cf. kam.service.clocks / engagement rules):
def onsite_due(cal: WorkCalendar, reported_at: datetime, hours: Decimal) -> tuple[datetime, bool]:
    """A11.2 / G.3: the due time in working hours, and whether it rests on a provisional year."""
    due = cal.add_business_hours(reported_at, hours, mode="working", day_start=NINE, day_end=SIX_PM)
    return due, cal.span_is_provisional(reported_at, due)


def visit_lead_ok(cal: WorkCalendar, booked_on: date, visit_day: date, lead: int) -> bool:
    """A13.1: at least `lead` working days ahead, on a working day."""
    return visit_day >= cal.add_working_days(booked_on, lead) and cal.is_working_day(visit_day)


def test_rule_computation_on_a_calendar_built_without_the_database() -> None:
    cal = WorkCalendar.from_rows(days={date(2027, 2, 11): False}, complete_years=set(), today=TODAY)
    # Thu 2027-02-04 17:30 + 24 working hours: 0.5 h on 02-04; 除夕 02-05 … 02-10 off (provisional, with
    # compensation for 初一/初二 on the weekend); 02-11 closed by the administrator; 02-12 9 h;
    # 02-15 9 h; 02-16 5.5 h → 14:30.
    assert onsite_due(cal, sh(2027, 2, 4, 17, 30), Decimal(24)) == (sh(2027, 2, 16, 14, 30), True)
    # on the official 2026 calendar: + 24 working hours across the Spring Festival, not provisional
    assert onsite_due(cal, sh(2026, 2, 13, 17, 30), Decimal(24)) == (sh(2026, 2, 25, 14, 30), False)
    # across the year end: Thu 2026-12-31 17:00 + 2 h → Mon 2027-01-04 10:00 (元旦 + weekend)
    assert onsite_due(cal, sh(2026, 12, 31, 17, 0), Decimal(2)) == (sh(2027, 1, 4, 10, 0), True)
    assert visit_lead_ok(cal, date(2027, 2, 4), date(2027, 2, 12), 1)
    assert not visit_lead_ok(cal, date(2027, 2, 4), date(2027, 2, 8), 1)  # 初三
    assert not visit_lead_ok(cal, date(2027, 2, 4), date(2027, 2, 12), 2)  # only one working day in between


def test_same_operations_as_the_module() -> None:
    cal = WorkCalendar.from_rows(days=[(date(2027, 3, 1), False)], complete_years=[2030], today=TODAY)
    assert cal.is_working_day(date(2027, 3, 2)) and not cal.is_working_day(date(2027, 3, 1))
    assert cal.next_working_day(date(2027, 2, 26)) == date(2027, 3, 2)
    assert cal.add_working_days(date(2027, 4, 30), 1) == date(2027, 5, 5)  # weekend, then 05-03/04 compensation
    assert cal.working_days_between(date(2027, 9, 30), date(2027, 10, 8)) == 3  # 10-06, 10-07, 10-08
    assert cal.next_working_moment(sh(2027, 10, 1, 10, 0)) == sh(2027, 10, 6, 9, 0)
    assert cal.next_working_day_at(sh(2027, 10, 1, 10, 0), time(8, 30)) == sh(2027, 10, 6, 8, 30)
    assert cal.business_duration(sh(2027, 9, 30, 17, 0), sh(2027, 10, 6, 10, 0)) == timedelta(hours=2)
    assert cal.is_provisional(date(2027, 1, 1)) and cal.is_provisional(sh(2027, 1, 1, 0, 30))
    assert not cal.is_provisional(sh(2026, 12, 31, 16, 30).astimezone(ZoneInfo("UTC")))  # still 2026 in Shanghai
    assert not cal.is_provisional(date(2030, 6, 1))  # a complete administrator year
    assert cal.provisional_years(2025, 2031) == [2027, 2028, 2029, 2031]
    assert cal.span_is_provisional(sh(2026, 12, 31, 9, 0), sh(2026, 12, 1, 9, 0)) is False  # either order
    assert cal.span_is_provisional(sh(2027, 1, 2), sh(2026, 12, 1)) is True
    assert cal.schedule_source(2026) == "library" and cal.schedule_source(2030) == "admin"
    assert cal.schedule_source(2027) == "provisional"
    assert cal.working_days_in_year(2030)[0] == date(2030, 1, 1)  # complete year, no rows: Mon–Fri


def test_window_comes_from_today() -> None:
    cal = WorkCalendar.from_rows(today=TODAY)
    assert (cal.first_year, cal.last_year) == (2000, 2036)
    assert cal.is_working_day(date(2036, 12, 31))  # Wednesday, provisional
    with pytest.raises(CalendarDataMissing, match="2037-01-01"):
        cal.is_working_day(date(2037, 1, 1))
    later = WorkCalendar.from_rows(today=date(2027, 1, 1))
    assert later.is_working_day(date(2037, 1, 2))  # Friday


def test_value_is_immutable_and_detached_from_its_inputs() -> None:
    rows = {date(2027, 3, 1): False}
    years = {2030}
    cal = WorkCalendar.from_rows(days=rows, complete_years=years, today=TODAY)
    rows[date(2027, 3, 2)] = False
    years.add(2027)
    assert cal.is_working_day(date(2027, 3, 2)) and cal.is_provisional(date(2027, 3, 2))
    with pytest.raises(TypeError):
        cal.days[date(2027, 3, 3)] = False  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        cal.complete_years = frozenset({2027})  # type: ignore[misc]
    assert cal.complete_years == frozenset({2030})


def test_administrator_rows_beat_library_and_statute() -> None:
    cal = WorkCalendar.from_rows(
        days={date(2026, 2, 16): True, date(2026, 3, 9): False, date(2027, 1, 1): True, date(2027, 1, 2): True},
        today=TODAY,
    )
    assert cal.is_working_day(date(2026, 2, 16))  # Spring Festival 2026 (library) → worked
    assert not cal.is_working_day(date(2026, 3, 9))  # ordinary Monday → closed
    assert cal.is_working_day(date(2027, 1, 1)) and cal.is_working_day(date(2027, 1, 2))  # statute / Saturday
    official = WorkCalendar.from_rows(days={date(2027, 1, 1): True}, complete_years={2027}, today=TODAY)
    assert not official.is_provisional(date(2027, 1, 1)) and official.is_working_day(date(2027, 1, 1))
    assert official.is_working_day(date(2027, 2, 5))  # the complete year wins over the estimate
