"""G.3 working-hours SLA clocks: working hours 09:00–18:00 on working days; "24 h" = 24 working hours."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam.calendar.workdays import (
    BUSINESS_TZ,
    CalendarDataMissing,
    add_business_hours,
    business_duration,
    is_working_day,
    next_working_day_at,
    next_working_moment,
)

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NINE, SIX_PM = time(9, 0), time(18, 0)


def sh(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=SH)


REPORT = sh(2026, 2, 13, 17, 30)  # Friday before the 2026 Spring Festival


def test_g3_worked_example_working_mode() -> None:
    """G.3: a report at Fri 2026-02-13 17:30; +2 working hours lands on the make-up Saturday,
    +24 working hours skips the Spring Festival (02-15…02-23)."""
    two = add_business_hours(REPORT, 2, mode="working", day_start=NINE, day_end=SIX_PM)
    assert two == sh(2026, 2, 14, 10, 30)
    assert two.tzinfo == BUSINESS_TZ
    assert add_business_hours(REPORT, 24, mode="working", day_start=NINE, day_end=SIX_PM) == sh(2026, 2, 25, 14, 30)


def test_g3_worked_example_calendar_mode() -> None:
    """G.3 calendar mode: plain elapsed time."""
    assert add_business_hours(REPORT, 2, mode="calendar", day_start=NINE, day_end=SIX_PM) == sh(2026, 2, 13, 19, 30)
    assert add_business_hours(REPORT, 24, mode="calendar", day_start=NINE, day_end=SIX_PM) == sh(2026, 2, 14, 17, 30)


def test_input_in_other_timezone_output_in_shanghai() -> None:
    """G.3: inputs may be aware in any zone; outputs are aware in Asia/Shanghai."""
    utc_report = REPORT.astimezone(UTC)  # 09:30 UTC
    result = add_business_hours(utc_report, Decimal("2"), mode="working")
    assert result == sh(2026, 2, 14, 10, 30)
    assert result.utcoffset() == timedelta(hours=8)
    other = REPORT.astimezone(timezone(timedelta(hours=-5)))
    assert add_business_hours(other, timedelta(hours=24), mode="calendar") == sh(2026, 2, 14, 17, 30)


def test_duration_types_are_equivalent() -> None:
    expected = sh(2026, 3, 2, 10, 30)
    start = sh(2026, 3, 2, 9, 0)
    for h in (1.5, Decimal("1.5"), timedelta(minutes=90)):
        assert add_business_hours(start, h, mode="working") == expected
    assert add_business_hours(start, 1, mode="working") == sh(2026, 3, 2, 10, 0)


def test_start_on_holiday_begins_at_next_opening() -> None:
    """G.3: a report during the National Day holiday starts counting on 10-08 at 09:00."""
    start = sh(2026, 10, 3, 11, 0)
    assert next_working_moment(start) == sh(2026, 10, 8, 9, 0)
    assert add_business_hours(start, 2, mode="working") == sh(2026, 10, 8, 11, 0)
    assert add_business_hours(start, 24, mode="working") == sh(2026, 10, 10, 15, 0)  # 10-10 is 调休
    assert business_duration(start, sh(2026, 10, 8, 11, 0), mode="working") == timedelta(hours=2)


def test_start_before_opening() -> None:
    """G.3: a report at 07:45 on a working day starts counting at 09:00."""
    start = sh(2026, 3, 3, 7, 45)
    assert add_business_hours(start, 2, mode="working") == sh(2026, 3, 3, 11, 0)
    assert add_business_hours(start, 9, mode="working") == sh(2026, 3, 3, 18, 0)
    assert add_business_hours(start, 0, mode="working") == sh(2026, 3, 3, 9, 0)


def test_start_exactly_at_closing() -> None:
    """G.3: 18:00 is outside [09:00, 18:00): counting starts at the next working day's opening."""
    start = sh(2026, 3, 3, 18, 0)
    assert next_working_moment(start) == sh(2026, 3, 4, 9, 0)
    assert add_business_hours(start, 1, mode="working") == sh(2026, 3, 4, 10, 0)
    friday_close = sh(2026, 3, 6, 18, 0)
    assert add_business_hours(friday_close, 1, mode="working") == sh(2026, 3, 9, 10, 0)


def test_deadline_at_closing_stays_on_that_day() -> None:
    assert add_business_hours(sh(2026, 3, 3, 17, 0), 1, mode="working") == sh(2026, 3, 3, 18, 0)


def test_custom_window() -> None:
    start = sh(2026, 3, 3, 17, 0)
    got = add_business_hours(start, 2, mode="working", day_start=time(8, 30), day_end=time(17, 30))
    assert got == sh(2026, 3, 4, 10, 0)


def test_business_duration_examples() -> None:
    """G.3: elapsed clock time between two instants."""
    assert business_duration(REPORT, sh(2026, 2, 25, 14, 30), mode="working") == timedelta(hours=24)
    assert business_duration(REPORT, sh(2026, 2, 14, 17, 30), mode="calendar") == timedelta(hours=24)
    assert business_duration(REPORT, sh(2026, 2, 23, 23, 0), mode="working") == timedelta(hours=9.5)
    assert business_duration(sh(2026, 2, 25, 14, 30), REPORT, mode="working") == -timedelta(hours=24)
    assert business_duration(REPORT, REPORT, mode="working") == timedelta(0)


def test_invalid_arguments() -> None:
    with pytest.raises(ValueError):
        add_business_hours(datetime(2026, 3, 3, 9, 0), 1, mode="working")  # naive
    with pytest.raises(ValueError):
        add_business_hours(REPORT, -1, mode="working")
    with pytest.raises(ValueError):
        add_business_hours(REPORT, 1, mode="wall")
    with pytest.raises(ValueError):
        add_business_hours(REPORT, 1, mode="working", day_start=SIX_PM, day_end=NINE)


def test_working_clock_refuses_only_dates_outside_the_window() -> None:
    """A mistyped year (0525) is a data error; a provisional year (2031) is computed."""
    with pytest.raises(CalendarDataMissing, match="0525-12-24"):
        add_business_hours(datetime(525, 12, 24, 10, 0, tzinfo=SH), 1, mode="working")
    assert add_business_hours(sh(2031, 5, 6, 10, 0), 1, mode="working") == sh(2031, 5, 6, 11, 0)
    assert add_business_hours(datetime(525, 12, 24, 10, 0, tzinfo=SH), 1, mode="calendar") == datetime(
        525, 12, 24, 11, 0, tzinfo=SH)  # calendar mode needs no calendar


def test_next_working_day_at_for_daily_digest() -> None:
    """Daily digests go out on working days only."""
    at = time(8, 30)
    assert next_working_day_at(sh(2026, 2, 13, 7, 0), at) == sh(2026, 2, 13, 8, 30)
    assert next_working_day_at(sh(2026, 2, 13, 9, 0), at) == sh(2026, 2, 14, 8, 30)
    assert next_working_day_at(sh(2026, 2, 14, 9, 0), at) == sh(2026, 2, 24, 8, 30)


_starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 11, 15), timezones=st.just(SH)
)
_hours = st.integers(min_value=0, max_value=200 * 60).map(lambda m: timedelta(minutes=m))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=_starts, duration=_hours)
def test_business_duration_inverts_add_business_hours(start: datetime, duration: timedelta) -> None:
    """G.3 property (2026): business_duration(s, add_business_hours(s, h)) == h, both modes."""
    for mode in ("working", "calendar"):
        end = add_business_hours(start, duration, mode=mode)
        assert end >= start
        assert business_duration(start, end, mode=mode) == duration
    end = add_business_hours(start, duration, mode="working")
    if duration:
        # the deadline always lies inside working hours of a working day (or at its closing time)
        assert NINE < end.timetz().replace(tzinfo=None) <= SIX_PM
        assert is_working_day(date(end.year, end.month, end.day))
