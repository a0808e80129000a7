"""Working days on the official Chinese calendar (A13.1 booking lead time, G.3 SLA clocks, digests)."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.calendar.models import CalendarDay, CalendarYear
from kam.calendar.workdays import (
    CalendarDataMissing,
    add_working_days,
    has_calendar_data,
    is_working_day,
    library_covers,
    next_working_day,
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


def test_uncovered_year_raises_instead_of_assuming_monday_to_friday() -> None:
    with pytest.raises(CalendarDataMissing) as info:
        is_working_day(date(UNCOVERED, 3, 3))
    assert str(UNCOVERED) in str(info.value)
    assert "尚未录入" in str(info.value)
    assert not has_calendar_data(UNCOVERED)
    with pytest.raises(CalendarDataMissing):
        working_days_in_year(UNCOVERED)


def test_single_override_in_uncovered_year_answers_only_that_day() -> None:
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 1), is_working_day=False, name="元旦")
    assert is_working_day(date(UNCOVERED, 1, 1)) is False
    with pytest.raises(CalendarDataMissing):
        is_working_day(date(UNCOVERED, 1, 6))


def test_admin_entered_complete_year_works_and_overrides_win() -> None:
    """An administrator enters the year: listed exceptions apply, other days follow Mon–Fri."""
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 1), is_working_day=False, name="元旦")  # Wednesday
    CalendarDay.objects.create(date=date(UNCOVERED, 1, 4), is_working_day=True, name="调休上班")  # Saturday
    CalendarYear.objects.create(year=UNCOVERED, complete=True)  # the signal clears the cache
    assert has_calendar_data(UNCOVERED)
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
