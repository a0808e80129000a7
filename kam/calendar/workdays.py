"""Working days on the official Chinese calendar, and working-hours clocks.

Public API (pure functions; the only state is an in-process cache of administrator rows):

* `is_working_day(d)` — official holidays are off, make-up workdays (调休) are on. Used by visit
  booking lead time (A13.1), working-hours SLA clocks (G.3) and working-day-only digests.
* `add_working_days(d, n)`, `working_days_between(a, b)`, `next_working_day(d)`,
  `working_days_in_year(year)`, `has_calendar_data(year)`.
* `add_business_hours(start, hours, mode=..., day_start=..., day_end=...)` and
  `business_duration(start, end, ...)` — the G.3 clocks ("24 h" in working mode means 24 working
  hours inside 09:00–18:00 on working days).
* `next_working_day_at(dt, at)` — the next working-day instant at a wall-clock time (daily digests).

Data sources, strongest first:

1. `CalendarDay` rows entered by an administrator (single-day overrides; they always win);
2. the `chinesecalendar` library for the years it covers;
3. a `CalendarYear` with `complete=True`: the administrator has entered every exception of that
   year, so days without a row follow the ordinary Monday–Friday pattern.

For a day none of them covers, `CalendarDataMissing` is raised: we never silently assume Mon–Fri.

Caching: the per-year result (a set of working days, or the partial overrides) is kept in a
module dict. It is cleared by `post_save`/`post_delete` signals on `CalendarDay`/`CalendarYear`
(see `signals.py`), by `clear_cache()` (call it after `bulk_create`/`update`, which send no
signals), and expires after `CACHE_TTL_SECONDS` so that other processes pick up admin edits.
"""

from __future__ import annotations

import threading
import time as _time
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

__all__ = [
    "BUSINESS_TZ",
    "DEFAULT_DAY_END",
    "DEFAULT_DAY_START",
    "CalendarDataMissing",
    "ClockMode",
    "add_business_hours",
    "add_working_days",
    "business_duration",
    "clear_cache",
    "has_calendar_data",
    "is_working_day",
    "library_covers",
    "next_working_day",
    "next_working_day_at",
    "next_working_moment",
    "working_days_between",
    "working_days_in_year",
]

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_DAY_START = time(9, 0)
DEFAULT_DAY_END = time(18, 0)
CACHE_TTL_SECONDS = 300.0

ClockMode = Literal["calendar", "working"]
Hours = Decimal | int | float | timedelta


class CalendarDataMissing(Exception):
    """No official holiday schedule is known for a year (neither the library nor an admin entry)."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{year} 年的法定节假日安排尚未录入（no official holiday schedule for {year}）；"
            f"请由管理员录入该年日历（python manage.py calendar_year <csv>）。"
        )


# --------------------------------------------------------------------------------------------
# Per-year data and cache
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _YearData:
    # Complete data: the set of working days of the year (overrides applied); None when incomplete.
    working: frozenset[date] | None
    # Administrator overrides (date -> is working day); the only knowledge for an incomplete year.
    overrides: dict[date, bool]
    loaded_at: float


_cache: dict[int, _YearData] = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forget every cached year (called by signals on CalendarDay/CalendarYear changes)."""
    with _cache_lock:
        _cache.clear()


def library_covers(year: int) -> bool:
    """Whether the installed `chinesecalendar` has the official schedule of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _load_year(year: int) -> _YearData:
    from .models import CalendarDay, CalendarYear

    overrides = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_working_day"))
    if library_covers(year):
        base = chinese_calendar.is_workday
    elif CalendarYear.objects.filter(year=year, complete=True).exists():
        def base(d: date) -> bool:
            return d.weekday() < 5
    else:
        return _YearData(working=None, overrides=overrides, loaded_at=_time.monotonic())

    working: set[date] = set()
    d = date(year, 1, 1)
    one = timedelta(days=1)
    while d.year == year:
        if overrides[d] if d in overrides else base(d):
            working.add(d)
        d += one
    return _YearData(working=frozenset(working), overrides=overrides, loaded_at=_time.monotonic())


def _year_data(year: int) -> _YearData:
    data = _cache.get(year)
    if data is None or _time.monotonic() - data.loaded_at > CACHE_TTL_SECONDS:
        data = _load_year(year)
        with _cache_lock:
            _cache[year] = data
    return data


def has_calendar_data(year: int) -> bool:
    """Whether every day of `year` can be answered (library coverage or a complete admin year)."""
    if library_covers(year):  # no database query needed
        return True
    return _year_data(year).working is not None


# --------------------------------------------------------------------------------------------
# Working days
# --------------------------------------------------------------------------------------------


def is_working_day(d: date) -> bool:
    """Whether `d` is a working day on the official Chinese calendar (A13.1, G.3).

    Raises `CalendarDataMissing` for a day of a year nobody has entered.
    """
    if isinstance(d, datetime):  # a datetime is a date: use its Asia/Shanghai calendar day if aware
        d = (d.astimezone(BUSINESS_TZ) if d.tzinfo is not None else d).date()
    data = _year_data(d.year)
    if data.working is not None:
        return d in data.working
    if d in data.overrides:
        return data.overrides[d]
    raise CalendarDataMissing(d.year)


def next_working_day(d: date) -> date:
    """The first working day strictly after `d`."""
    one = timedelta(days=1)
    d += one
    while not is_working_day(d):
        d += one
    return d


def add_working_days(d: date, n: int) -> date:
    """The date `n` working days after `d`; `d` itself is not counted (A13.1).

    `add_working_days(d, 0) == d`. Example: 2026-02-13 + 1 → 2026-02-14 (a make-up Saturday),
    + 2 → 2026-02-24 (after the Spring Festival holiday). Raises `ValueError` for n < 0.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    for _ in range(n):
        d = next_working_day(d)
    return d


def working_days_between(a: date, b: date) -> int:
    """The number of working days in the half-open interval (a, b]: `a` excluded, `b` included.

    Consistent with `add_working_days`: `working_days_between(d, add_working_days(d, n)) == n`.
    If b < a the result is negative: `-working_days_between(b, a)`.

    Note: `chinese_calendar.get_workdays(a, b)` counts the closed interval [a, b]; e.g. for
    2026-09-30 → 2026-10-12 it returns 5 days (09-30, 10-08, 10-09, 10-10 调休, 10-12) while this
    function returns 4 (09-30 is the starting day and is not counted).
    """
    if b < a:
        return -working_days_between(b, a)
    count = 0
    one = timedelta(days=1)
    d = a + one
    while d <= b:
        if is_working_day(d):
            count += 1
        d += one
    return count


def working_days_in_year(year: int) -> list[date]:
    """Every working day of `year`, in order; raises `CalendarDataMissing` if the year is not covered."""
    data = _year_data(year)
    if data.working is None:
        raise CalendarDataMissing(year)
    return sorted(data.working)


# --------------------------------------------------------------------------------------------
# Working-hours clocks (G.3)
# --------------------------------------------------------------------------------------------


def _to_business_tz(dt: datetime) -> datetime:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return dt.astimezone(BUSINESS_TZ)


def _to_timedelta(hours: Hours) -> timedelta:
    if isinstance(hours, timedelta):
        result = hours
    elif isinstance(hours, Decimal):
        micro = (hours * 3_600_000_000).to_integral_value()
        result = timedelta(microseconds=int(micro))
    elif isinstance(hours, int | float):
        result = timedelta(hours=hours)
    else:
        raise TypeError(f"unsupported duration type {type(hours).__name__}")
    if result < timedelta(0):
        raise ValueError("the duration must not be negative")
    return result


def _check_window(day_start: time, day_end: time) -> None:
    if day_start.tzinfo is not None or day_end.tzinfo is not None:
        raise ValueError("day_start/day_end are wall-clock times in Asia/Shanghai; pass naive times")
    if not day_start < day_end:
        raise ValueError("day_start must be before day_end")


def _check_mode(mode: str) -> None:
    if mode not in ("calendar", "working"):
        raise ValueError(f"unknown clock mode {mode!r}; expected 'calendar' or 'working'")


def _at(d: date, t: time) -> datetime:
    return datetime.combine(d, t, tzinfo=BUSINESS_TZ)


def next_working_moment(
    dt: datetime, *, day_start: time = DEFAULT_DAY_START, day_end: time = DEFAULT_DAY_END
) -> datetime:
    """`dt` itself if it lies inside working hours [day_start, day_end) of a working day, else the
    next working-hours opening (the moment a working-mode clock starts counting)."""
    _check_window(day_start, day_end)
    local = _to_business_tz(dt)
    d = local.date()
    if is_working_day(d):
        if local < _at(d, day_start):
            return _at(d, day_start)
        if local < _at(d, day_end):
            return local
    return _at(next_working_day(d), day_start)


def add_business_hours(
    start: datetime,
    hours: Hours,
    *,
    mode: ClockMode | str = "working",
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> datetime:
    """The instant a G.3 clock started at `start` reaches `hours`; aware, in Asia/Shanghai.

    * mode "calendar": `start + hours`.
    * mode "working": only time inside [day_start, day_end) of working days counts. A start outside
      working hours begins counting at the next opening; a deadline that falls exactly at the end of
      a working day is that day's `day_end` (e.g. 17:00 + 1 h → 18:00, not 09:00 next day).

    Example (09:00–18:00): Fri 2026-02-13 17:30 + 2 working hours → Sat 2026-02-14 10:30 (调休),
    + 24 working hours → Wed 2026-02-25 14:30 (Spring Festival 02-15…02-23 off).
    """
    _check_mode(mode)
    duration = _to_timedelta(hours)
    if mode == "calendar":
        return _to_business_tz(start) + duration  # Asia/Shanghai has no DST: wall clock == elapsed

    cur = next_working_moment(start, day_start=day_start, day_end=day_end)
    remaining = duration
    while True:
        close = _at(cur.date(), day_end)
        available = close - cur
        if remaining <= available:
            return cur + remaining
        remaining -= available
        cur = _at(next_working_day(cur.date()), day_start)


def business_duration(
    start: datetime,
    end: datetime,
    *,
    mode: ClockMode | str = "working",
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> timedelta:
    """The clock time elapsed between two instants under `mode` (G.3).

    * "calendar": `end - start`.
    * "working": the part of [start, end) inside [day_start, day_end) of working days.

    If end < start the result is negative. `business_duration(s, add_business_hours(s, h)) == h`.
    """
    _check_mode(mode)
    _check_window(day_start, day_end)
    s, e = _to_business_tz(start), _to_business_tz(end)
    if e < s:
        return -business_duration(end, start, mode=mode, day_start=day_start, day_end=day_end)
    if mode == "calendar":
        return e - s

    total = timedelta(0)
    one = timedelta(days=1)
    d = s.date()
    while d <= e.date():
        if is_working_day(d):
            lo = max(s, _at(d, day_start))
            hi = min(e, _at(d, day_end))
            if hi > lo:
                total += hi - lo
        d += one
    return total


def next_working_day_at(dt: datetime, at: time) -> datetime:
    """The first instant >= `dt` that is wall-clock `at` (Asia/Shanghai) on a working day.

    For working-day-only jobs such as daily digests: `next_working_day_at(now, time(8, 30))`.
    """
    if at.tzinfo is not None:
        raise ValueError("`at` is a wall-clock time in Asia/Shanghai; pass a naive time")
    local = _to_business_tz(dt)
    d = local.date()
    if is_working_day(d) and _at(d, at) >= local:
        return _at(d, at)
    return _at(next_working_day(d), at)
