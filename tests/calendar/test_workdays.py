"""Working days on the official Chinese calendar (A13.1 booking lead time, G.3 SLA clocks, digests)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.calendar.models import CalendarDay, CalendarYear
from kam.calendar.statutory import provisional_days_off
from kam.calendar.workdays import (
    BUSINESS_TZ,
    HORIZON_YEARS,
    CalendarDataMissing,
    add_working_days,
    has_calendar_data,
    has_official_schedule,
    is_provisional,
    is_working_day,
    library_covers,
    next_working_day,
    provisional_years,
    work_calendar,
    working_days_between,
    working_days_in_year,
)

pytestmark = pytest.mark.django_db

# A year no library release covers (chinesecalendar only ships announced years).
UNCOVERED = 2031


def test_uncovered_year_is_really_uncovered() -> None:
    assert not library_covers(UNCOVERED)


@pytest.mark.parametrize("d", [date(2026, 2, 14), date(2026, 2, 28), date(2026, 10, 10), date(2026, 2, 13)])
def test_make_up_saturdays_and_weekdays_are_working_days(d: date) -> None:
    """A13.1 / G.3: make-up workdays (调休) count as working days."""
    assert is_working_day(d)


@pytest.mark.parametrize(
    "d",
    [date(2026, 2, 15) + timedelta(days=i) for i in range(9)] + [date(2026, 10, 1) + timedelta(days=i) for i in range(7)],
)
def test_spring_festival_and_national_day_are_off(d: date) -> None:
    """A13.1 / G.3: official holidays 2026-02-15..23 and 2026-10-01..07 are not working days."""
    assert not is_working_day(d)


def test_ordinary_weekend_is_off() -> None:
    assert not is_working_day(date(2026, 3, 7))
    assert not is_working_day(date(2026, 3, 8))


def test_add_working_days() -> None:
    """A13.1: lead time in working days; the start day itself is not counted."""
    assert add_working_days(date(2026, 2, 13), 0) == date(2026, 2, 13)
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 13), 2) == date(2026, 2, 24)
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)
    assert next_working_day(date(2026, 2, 14)) == date(2026, 2, 24)
    with pytest.raises(ValueError):
        add_working_days(date(2026, 2, 13), -1)


def test_working_days_between_convention() -> None:
    """(a, b]: a excluded, b included; chinese_calendar.get_workdays counts [a, b] (one more here)."""
    a, b = date(2026, 9, 30), date(2026, 10, 12)
    assert working_days_between(a, b) == 4  # 10-08, 10-09, 10-10 (调休), 10-12
    assert len(chinese_calendar.get_workdays(a, b)) == 5  # also counts 09-30
    assert working_days_between(a, a) == 0
    assert working_days_between(b, a) == -4


@pytest.mark.parametrize("start", [date(2026, 1, 1), date(2026, 2, 13), date(2026, 2, 14), date(2026, 9, 27)])
@pytest.mark.parametrize("n", [0, 1, 2, 5, 17])
def test_between_inverts_add(start: date, n: int) -> None:
    assert working_days_between(start, add_working_days(start, n)) == n


def test_uncovered_year_is_provisional_from_the_statute_not_monday_to_friday() -> None:
    """A year with no official schedule answers every day from the statute, flagged provisional."""
    assert not has_official_schedule(UNCOVERED)
    assert not has_calendar_data(UNCOVERED)  # the former name
    assert is_provisional(date(UNCOVERED, 3, 3))
    assert provisional_years(2025, UNCOVERED) == list(range(2027, UNCOVERED + 1))
    assert not is_working_day(date(UNCOVERED, 1, 1))  # 元旦, a Wednesday
    assert not is_working_day(date(UNCOVERED, 1, 22))  # 除夕, a Wednesday (lunar 1/1 is 01-23)
    assert not is_working_day(date(UNCOVERED, 1, 27))  # 初三 fell on Saturday 01-25: compensated on Monday
    assert is_working_day(date(UNCOVERED, 1, 28))
    assert is_working_day(date(UNCOVERED, 3, 3))  # an ordinary Monday
    assert not is_working_day(date(UNCOVERED, 3, 8))  # Saturday: no make-up workdays
    days = working_days_in_year(UNCOVERED)
    weekdays = [d for d in (date(UNCOVERED, 1, 1) + timedelta(days=i) for i in range(365)) if d.weekday() < 5]
    assert set(days) == set(weekdays) - set(provisional_days_off(UNCOVERED))
    assert len(weekdays) - len(days) == 13  # the 2024 revision's 13 statutory days, all granted


def test_dates_outside_the_sane_window_raise_with_a_clear_message() -> None:
    """CalendarDataMissing is left only for data errors: before 2000 or past this year + 10."""
    last = work_calendar().last_year
    assert last == datetime.now(BUSINESS_TZ).year + HORIZON_YEARS
    for bad in (date(525, 12, 24), date(1999, 12, 31), date(last + 1, 1, 1)):
        with pytest.raises(CalendarDataMissing) as info:
            is_working_day(bad)
        assert bad.isoformat() in str(info.value)
        assert "超出工作日历的范围" in str(info.value) and f"2000—{last}" in str(info.value)
        assert info.value.year == bad.year
    assert is_working_day(date(2000, 1, 4))  # a Tuesday of the first year (provisional)
    assert is_working_day(date(last, 12, 29)) is (date(last, 12, 29).weekday() < 5)
    with pytest.raises(CalendarDataMissing):
        add_working_days(date(last, 12, 31), 1)  # walks out of the window
    with pytest.raises(CalendarDataMissing):
        working_days_in_year(1999)


def test_single_override_in_provisional_year_wins_and_the_year_stays_provisional() -> None:
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 6), is_working_day=False, name="公司停电")  # Monday
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 22), is_working_day=True, name="值班")  # 除夕
    assert is_working_day(date(UNCOVERED, 1, 6)) is False
    assert is_working_day(date(UNCOVERED, 1, 22)) is True  # the admin row beats the statute
    assert is_working_day(date(UNCOVERED, 1, 7)) is True
    assert is_working_day(date(UNCOVERED, 1, 1)) is False  # still the statute elsewhere
    assert is_provisional(date(UNCOVERED, 1, 6))


def test_admin_entered_complete_year_works_and_overrides_win() -> None:
    """An administrator enters the year: listed exceptions apply, other days follow Mon–Fri."""
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 1), is_working_day=False, name="元旦")  # Wednesday
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 4), is_working_day=True, name="调休上班")  # Saturday
    assert not is_working_day(date(UNCOVERED, 1, 22))  # provisional: 除夕 is a statutory day off
    CalendarYear.objects.create(year=UNCOVERED, complete=True)  # the signal clears the cache
    assert has_official_schedule(UNCOVERED)
    assert not is_provisional(date(UNCOVERED, 6, 1))
    assert is_working_day(date(UNCOVERED, 1, 22))  # the complete year wins over the estimate: not listed
    assert not is_working_day(date(UNCOVERED, 1, 1))
    assert is_working_day(date(UNCOVERED, 1, 2))
    assert is_working_day(date(UNCOVERED, 1, 4))
    assert not is_working_day(date(UNCOVERED, 1, 5))  # Sunday
    assert add_working_days(date(UNCOVERED, 12, 31), 0) == date(UNCOVERED, 12, 31)


def test_override_wins_over_library_and_cache_is_invalidated_by_signals() -> None:
    d = date(2026, 3, 9)  # an ordinary Monday
    assert is_working_day(d)
    row = CalendarDay.objects.create(date=d, is_working_day=False, name="公司停电")
    assert not is_working_day(d)
    row.is_working_day = True
    row.save()
    assert is_working_day(d)
    CalendarDay.objects.create(date=date(2026, 3, 7), is_working_day=True, name="加班")  # Saturday
    assert is_working_day(date(2026, 3, 7))
    CalendarDay.objects.filter(date=date(2026, 3, 7)).delete()
    assert not is_working_day(date(2026, 3, 7))


def test_bulk_use_does_not_query_per_day() -> None:
    is_working_day(date(2026, 1, 1))  # warm the cache
    with CaptureQueriesContext(connection) as ctx:
        assert len(working_days_in_year(2026)) == sum(
            is_working_day(date(2026, 1, 1) + timedelta(days=i)) for i in range(365)
        )
        add_working_days(date(2026, 1, 1), 200)
    assert len(ctx.captured_queries) == 0
