"""Provisional years through the module functions (the current snapshot of administrator rows):
flags, G.3 clocks across the year end, administrator rows, and the official 2026 calendar unchanged."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.calendar import workdays
from kam.calendar.models import CalendarDay, CalendarYear
from kam.calendar.workdays import (
    WorkCalendar,
    add_business_hours,
    add_working_days,
    business_duration,
    is_provisional,
    is_working_day,
    next_working_day_at,
    next_working_moment,
    provisional_years,
    span_is_provisional,
    work_calendar,
    working_days_between,
    working_days_in_year,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


@pytest.fixture(autouse=True)
def _library_stops_at_2026(monkeypatch: pytest.MonkeyPatch) -> None:
    """Independent of the installed chinesecalendar release: 2027 has no official schedule."""
    monkeypatch.setattr("kam.calendar.workdays.library_covers", lambda year: 2004 <= year <= 2026)


def test_g3_clock_across_the_year_end_works_and_is_flagged_provisional() -> None:
    """G.3: a report on Thu 2026-12-31 17:00 with 2 working hours is due Mon 2027-01-04 10:00
    (元旦 on Friday, then the weekend); the due time rests on provisional 2027."""
    start = sh(2026, 12, 31, 17, 0)
    due = add_business_hours(start, 2, mode="working")
    assert due == sh(2027, 1, 4, 10, 0)
    assert business_duration(start, due, mode="working") == timedelta(hours=2)
    assert span_is_provisional(start, due)
    assert not span_is_provisional(sh(2026, 12, 1, 9, 0), sh(2026, 12, 31, 18, 0))
    assert next_working_moment(sh(2027, 1, 1, 10, 0)) == sh(2027, 1, 4, 9, 0)
    assert next_working_day_at(sh(2026, 12, 31, 9, 0), time(8, 30)) == sh(2027, 1, 4, 8, 30)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert working_days_between(date(2026, 12, 30), date(2027, 1, 8)) == 6  # 12-31, 01-04 … 01-08
    # 24 working hours from the Thursday before the 2027 Spring Festival: 02-05 … 02-10 are off
    assert add_business_hours(sh(2027, 2, 4, 17, 30), 24, mode="working") == sh(2027, 2, 15, 14, 30)


def test_provisional_flags() -> None:
    assert not is_provisional(date(2026, 12, 31))
    assert is_provisional(date(2027, 1, 1))
    assert is_provisional(sh(2027, 1, 1, 0, 0).astimezone(ZoneInfo("UTC")))  # 2026-12-31 16:00 UTC: 2027 here
    assert provisional_years(2025, 2028) == [2027, 2028]
    CalendarYear.objects.create(year=2027, complete=True)
    assert not is_provisional(date(2027, 1, 1))
    assert provisional_years(2025, 2028) == [2028]
    assert not span_is_provisional(sh(2026, 12, 31, 17, 0), sh(2027, 1, 4, 10, 0))
    assert span_is_provisional(sh(2026, 12, 31, 17, 0), sh(2028, 1, 4, 10, 0))


def test_provisional_2027_working_days_follow_the_statute() -> None:
    off = {date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10),
           date(2027, 4, 5), date(2027, 5, 3), date(2027, 5, 4), date(2027, 6, 9), date(2027, 9, 15),
           date(2027, 10, 1), date(2027, 10, 4), date(2027, 10, 5)}
    year = [date(2027, 1, 1) + timedelta(days=i) for i in range(365)]
    assert working_days_in_year(2027) == [d for d in year if d.weekday() < 5 and d not in off]
    assert all(not is_working_day(d) for d in year if d.weekday() >= 5)  # no make-up workdays


def test_administrator_rows_win_in_a_provisional_year() -> None:
    CalendarDay.objects.create(date=date(2027, 2, 13), is_working_day=True, name="调休上班")  # Saturday
    CalendarDay.objects.create(date=date(2027, 2, 11), is_working_day=False, name="春节")  # Thursday
    assert is_working_day(date(2027, 2, 13)) and not is_working_day(date(2027, 2, 11))
    assert is_provisional(date(2027, 2, 13))  # single days do not make the year official
    assert add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 12)
    assert add_working_days(date(2027, 2, 4), 2) == date(2027, 2, 13)


OFFICIAL_2026_WEEKEND_WORKDAYS = [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9),
                                  date(2026, 9, 20), date(2026, 10, 10)]


def test_official_library_year_is_unchanged() -> None:
    """2026 comes from chinesecalendar (the State Council notice of 2025-11-04), day by day."""
    days = [date(2026, 1, 1) + timedelta(days=i) for i in range(365)]
    assert [d for d in days if is_working_day(d)] == [d for d in days if chinese_calendar.is_workday(d)]
    assert [d for d in working_days_in_year(2026) if d.weekday() >= 5] == OFFICIAL_2026_WEEKEND_WORKDAYS
    assert not any(is_working_day(d) for d in days if date(2026, 2, 15) <= d <= date(2026, 2, 23))
    assert not any(is_provisional(d) for d in days)


def test_module_functions_delegate_to_the_snapshot() -> None:
    CalendarDay.objects.create(date=date(2027, 3, 1), is_working_day=False)
    CalendarYear.objects.create(year=2030, complete=True)
    current = work_calendar()
    pure = WorkCalendar.from_rows(days={date(2027, 3, 1): False}, complete_years={2030})
    for d in (date(2027, 1, 1) + timedelta(days=i) for i in range(0, 365 * 4, 3)):
        assert is_working_day(d) == pure.is_working_day(d) == current.is_working_day(d), d
        assert is_provisional(d) == pure.is_provisional(d), d


def test_snapshot_loads_in_two_queries_then_none() -> None:
    CalendarDay.objects.create(date=date(2027, 3, 1), is_working_day=False)
    workdays.clear_cache()
    with CaptureQueriesContext(connection) as ctx:
        is_working_day(date(2027, 3, 1))
    assert len(ctx.captured_queries) == 2
    with CaptureQueriesContext(connection) as ctx:
        add_business_hours(sh(2026, 12, 31, 17, 0), 200, mode="working")
        assert span_is_provisional(sh(2026, 12, 31), sh(2027, 2, 1))
        working_days_in_year(2028)
    assert len(ctx.captured_queries) == 0
