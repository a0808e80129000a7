"""Working days on the official Chinese calendar, and working-hours clocks.

Public API. The calendar itself is a pure, immutable value, `WorkCalendar`; the module functions
delegate to the current snapshot (`work_calendar()`), so callers may use either:

* `is_working_day(d)` — official holidays are off, make-up workdays (调休) are on. Used by visit
  booking lead time (A13.1), working-hours SLA clocks (G.3) and working-day-only digests.
* `add_working_days(d, n)`, `working_days_between(a, b)`, `next_working_day(d)`,
  `working_days_in_year(year)`.
* `add_business_hours(start, hours, mode=..., day_start=..., day_end=...)` and
  `business_duration(start, end, ...)` — the G.3 clocks ("24 h" in working mode means 24 working
  hours inside 09:00–18:00 on working days).
* `next_working_moment(dt)`, `next_working_day_at(dt, at)` — the next working-day instant at a
  wall-clock time (daily digests).
* `is_provisional(d)`, `provisional_years(first, last)`, `span_is_provisional(start, end)`,
  `has_official_schedule(year)` — whether an answer rests on a provisional year (see below), so
  callers can mark a due time computed on it as provisional.

Data sources, strongest first:

1. `CalendarDay` rows entered by an administrator (single-day overrides; they always win);
2. the official schedule: the `chinesecalendar` library for the years it covers, else a
   `CalendarYear` with `complete=True` (the administrator has entered every exception of that
   year, so days without a row follow the ordinary Monday–Friday pattern);
3. otherwise the year is **provisional**: the statutory holidays with weekend compensation and no
   make-up workdays (`kam.calendar.statutory`). Answers on a provisional year are estimates; when
   the administrator completes the year, `signals.official_schedule_entered` is sent.

Every day of the years `FIRST_YEAR` … (this year + `HORIZON_YEARS`) is answered; a date outside
that window is a data error (e.g. a mistyped year 0525), for which `CalendarDataMissing` is raised.

Caching: `work_calendar()` loads the administrator rows once (two queries) and keeps the snapshot
for `CACHE_TTL_SECONDS` so that other processes pick up admin edits; it is dropped by
`post_save`/`post_delete` signals on `CalendarDay`/`CalendarYear` (see `signals.py`) and by
`clear_cache()` (call it after `bulk_create`/`update`, which send no signals). A snapshot computes
each year once, on first use.
"""

from __future__ import annotations

import threading
import time as _time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar

from .statutory import provisional_days_off

__all__ = [
    "BUSINESS_TZ",
    "DEFAULT_DAY_END",
    "DEFAULT_DAY_START",
    "FIRST_YEAR",
    "HORIZON_YEARS",
    "CalendarDataMissing",
    "ClockMode",
    "WorkCalendar",
    "add_business_hours",
    "add_working_days",
    "business_duration",
    "clear_cache",
    "has_calendar_data",
    "has_official_schedule",
    "is_provisional",
    "is_working_day",
    "library_covers",
    "next_working_day",
    "next_working_day_at",
    "next_working_moment",
    "peek_work_calendar",
    "provisional_years",
    "span_is_provisional",
    "work_calendar",
    "working_days_between",
    "working_days_in_year",
]

BUSINESS_TZ = ZoneInfo("Asia/Shanghai")
DEFAULT_DAY_START = time(9, 0)
DEFAULT_DAY_END = time(18, 0)
CACHE_TTL_SECONDS = 300.0
FIRST_YEAR = 2000  # no business fact of this company predates it
HORIZON_YEARS = 10  # years after the current one that are still answered (provisionally)

ClockMode = Literal["calendar", "working"]
Hours = Decimal | int | float | timedelta
Source = Literal["library", "admin", "provisional"]

ONE_DAY = timedelta(days=1)


class CalendarDataMissing(Exception):
    """A date outside the years the working calendar answers (a data error, not a missing schedule)."""

    def __init__(self, d: date, *, first_year: int, last_year: int) -> None:
        self.date = d
        self.year = d.year
        self.first_year = first_year
        self.last_year = last_year
        super().__init__(
            f"日期 {d.isoformat()} 超出工作日历的范围（{first_year}—{last_year} 年），无法计算工作日，"
            f"请检查该日期是否录入有误（date {d.isoformat()} is outside the working calendar's "
            f"years {first_year}–{last_year}）。"
        )


def library_covers(year: int) -> bool:
    """Whether the installed `chinesecalendar` has the official schedule of `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def _local_day(d: date) -> date:
    """A date as is; a datetime as its Asia/Shanghai calendar day (naive ones as they are)."""
    if isinstance(d, datetime):
        return (d.astimezone(BUSINESS_TZ) if d.tzinfo is not None else d).date()
    return d


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


@dataclass(frozen=True, slots=True)
class _Year:
    working: frozenset[date]
    source: Source


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """An immutable snapshot of the working calendar: administrator rows plus the library and the
    statute. Pure — no database access —, so a rule can be evaluated on one without Django's ORM:

        cal = WorkCalendar.from_rows(days={date(2027, 2, 11): False}, complete_years=set())
        cal.add_business_hours(reported_at, 24)

    `days` are single-day overrides (date → is working day); `complete_years` the years whose whole
    official schedule the administrator has entered; `today` fixes the answered window
    (`FIRST_YEAR` … today's year + `HORIZON_YEARS`; default: today in Asia/Shanghai).
    """

    days: Mapping[date, bool] = field(default_factory=dict)
    complete_years: frozenset[int] = frozenset()
    today: date | None = None
    _years: dict[int, _Year] = field(default_factory=dict, init=False, repr=False, compare=False)
    _sources: dict[int, Source] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days", MappingProxyType(dict(self.days)))
        object.__setattr__(self, "complete_years", frozenset(int(y) for y in self.complete_years))
        if self.today is None:
            object.__setattr__(self, "today", datetime.now(BUSINESS_TZ).date())

    @classmethod
    def from_rows(
        cls,
        *,
        days: Mapping[date, bool] | Iterable[tuple[date, bool]] = (),
        complete_years: Iterable[int] = (),
        today: date | None = None,
    ) -> WorkCalendar:
        """Build a calendar from administrator rows given as values (no database needed)."""
        return cls(days=dict(days), complete_years=frozenset(complete_years), today=today)

    # ---------------------------------------------------------------------------------------
    # Years and sources
    # ---------------------------------------------------------------------------------------

    @property
    def first_year(self) -> int:
        return FIRST_YEAR

    @property
    def last_year(self) -> int:
        assert self.today is not None  # set in __post_init__
        return self.today.year + HORIZON_YEARS

    def _check(self, d: date) -> None:
        if not FIRST_YEAR <= d.year <= self.last_year:
            raise CalendarDataMissing(d, first_year=FIRST_YEAR, last_year=self.last_year)

    def schedule_source(self, year: int) -> Source:
        """Where `year`'s schedule comes from: the library, a complete administrator year, or the
        statute (provisional). Administrator day rows override single days on top of any of them."""
        source = self._sources.get(year)
        if source is None:
            if library_covers(year):
                source = "library"
            elif year in self.complete_years:
                source = "admin"
            else:
                source = "provisional"
            self._sources[year] = source
        return source

    def has_official_schedule(self, year: int) -> bool:
        return self.schedule_source(year) != "provisional"

    def _year(self, year: int) -> _Year:
        data = self._years.get(year)
        if data is not None:
            return data
        source = self.schedule_source(year)
        if source == "library":
            def base(d: date) -> bool:
                return bool(chinese_calendar.is_workday(d))
        elif source == "admin":
            def base(d: date) -> bool:
                return d.weekday() < 5
        else:
            off = provisional_days_off(year)

            def base(d: date) -> bool:
                return d.weekday() < 5 and d not in off
        working: set[date] = set()
        d = date(year, 1, 1)
        while d.year == year:
            override = self.days.get(d)
            if override if override is not None else base(d):
                working.add(d)
            d += ONE_DAY
        data = _Year(working=frozenset(working), source=source)
        with self._lock:
            self._years[year] = data
        return data

    # ---------------------------------------------------------------------------------------
    # Provisional flags
    # ---------------------------------------------------------------------------------------

    def is_provisional(self, d: date) -> bool:
        """Whether `d` lies in a year with no official schedule (its answers are estimates)."""
        return not self.has_official_schedule(_local_day(d).year)

    def provisional_years(self, first: int, last: int) -> list[int]:
        """The provisional years among `first` … `last` (inclusive), in order."""
        return [y for y in range(first, last + 1) if not self.has_official_schedule(y)]

    def span_is_provisional(self, start: datetime | date, end: datetime | date) -> bool:
        """Whether any day of the span (Asia/Shanghai calendar days, either order) lies in a
        provisional year — e.g. a due time computed across 2026-12-31 → 2027-01-04."""
        a, b = sorted((_local_day(start), _local_day(end)))
        return bool(self.provisional_years(a.year, b.year))

    # ---------------------------------------------------------------------------------------
    # Working days
    # ---------------------------------------------------------------------------------------

    def is_working_day(self, d: date) -> bool:
        """Whether `d` is a working day (A13.1, G.3); a datetime counts as its Asia/Shanghai day.

        Raises `CalendarDataMissing` only for a date outside the answered years."""
        d = _local_day(d)
        self._check(d)
        return d in self._year(d.year).working

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d = _local_day(d) + ONE_DAY
        while not self.is_working_day(d):
            d += ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The date `n` working days after `d`; `d` itself is not counted (A13.1).

        `add_working_days(d, 0) == d`. Example: 2026-02-13 + 1 → 2026-02-14 (a make-up Saturday),
        + 2 → 2026-02-24 (after the Spring Festival holiday). Raises `ValueError` for n < 0.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        for _ in range(n):
            d = self.next_working_day(d)
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days in the half-open interval (a, b]: `a` excluded, `b` included.

        Consistent with `add_working_days`: `working_days_between(d, add_working_days(d, n)) == n`.
        If b < a the result is negative: `-working_days_between(b, a)`.

        Note: `chinese_calendar.get_workdays(a, b)` counts the closed interval [a, b]; e.g. for
        2026-09-30 → 2026-10-12 it returns 5 days (09-30, 10-08, 10-09, 10-10 调休, 10-12) while
        this function returns 4 (09-30 is the starting day and is not counted).
        """
        if b < a:
            return -self.working_days_between(b, a)
        count = 0
        d = a + ONE_DAY
        while d <= b:
            if self.is_working_day(d):
                count += 1
            d += ONE_DAY
        return count

    def working_days_in_year(self, year: int) -> list[date]:
        """Every working day of `year`, in order (provisional years included)."""
        self._check(date(year, 1, 1))
        return sorted(self._year(year).working)

    # ---------------------------------------------------------------------------------------
    # Working-hours clocks (G.3)
    # ---------------------------------------------------------------------------------------

    def next_working_moment(
        self, dt: datetime, *, day_start: time = DEFAULT_DAY_START, day_end: time = DEFAULT_DAY_END
    ) -> datetime:
        """`dt` itself if it lies inside working hours [day_start, day_end) of a working day, else
        the next working-hours opening (the moment a working-mode clock starts counting)."""
        _check_window(day_start, day_end)
        local = _to_business_tz(dt)
        d = local.date()
        if self.is_working_day(d):
            if local < _at(d, day_start):
                return _at(d, day_start)
            if local < _at(d, day_end):
                return local
        return _at(self.next_working_day(d), day_start)

    def add_business_hours(
        self,
        start: datetime,
        hours: Hours,
        *,
        mode: ClockMode | str = "working",
        day_start: time = DEFAULT_DAY_START,
        day_end: time = DEFAULT_DAY_END,
    ) -> datetime:
        """The instant a G.3 clock started at `start` reaches `hours`; aware, in Asia/Shanghai.

        * mode "calendar": `start + hours`.
        * mode "working": only time inside [day_start, day_end) of working days counts. A start
          outside working hours begins counting at the next opening; a deadline that falls exactly
          at the end of a working day is that day's `day_end` (e.g. 17:00 + 1 h → 18:00).

        Example (09:00–18:00): Fri 2026-02-13 17:30 + 2 working hours → Sat 2026-02-14 10:30
        (调休), + 24 working hours → Wed 2026-02-25 14:30 (Spring Festival 02-15…02-23 off).
        """
        _check_mode(mode)
        duration = _to_timedelta(hours)
        if mode == "calendar":
            return _to_business_tz(start) + duration  # Asia/Shanghai has no DST: wall clock == elapsed

        cur = self.next_working_moment(start, day_start=day_start, day_end=day_end)
        remaining = duration
        while True:
            close = _at(cur.date(), day_end)
            available = close - cur
            if remaining <= available:
                return cur + remaining
            remaining -= available
            cur = _at(self.next_working_day(cur.date()), day_start)

    def business_duration(
        self,
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
            return -self.business_duration(end, start, mode=mode, day_start=day_start, day_end=day_end)
        if mode == "calendar":
            return e - s

        total = timedelta(0)
        d = s.date()
        while d <= e.date():
            if self.is_working_day(d):
                lo = max(s, _at(d, day_start))
                hi = min(e, _at(d, day_end))
                if hi > lo:
                    total += hi - lo
            d += ONE_DAY
        return total

    def next_working_day_at(self, dt: datetime, at: time) -> datetime:
        """The first instant >= `dt` that is wall-clock `at` (Asia/Shanghai) on a working day.

        For working-day-only jobs such as daily digests: `next_working_day_at(now, time(8, 30))`.
        """
        if at.tzinfo is not None:
            raise ValueError("`at` is a wall-clock time in Asia/Shanghai; pass a naive time")
        local = _to_business_tz(dt)
        d = local.date()
        if self.is_working_day(d) and _at(d, at) >= local:
            return _at(d, at)
        return _at(self.next_working_day(d), at)


# --------------------------------------------------------------------------------------------
# The current snapshot (administrator rows from the database)
# --------------------------------------------------------------------------------------------

_snapshot: tuple[WorkCalendar, float] | None = None
_snapshot_lock = threading.Lock()


def clear_cache() -> None:
    """Forget the current snapshot (called by signals on CalendarDay/CalendarYear changes)."""
    global _snapshot
    with _snapshot_lock:
        _snapshot = None


def peek_work_calendar() -> WorkCalendar | None:
    """The current snapshot if one is loaded and fresh, else None (never queries the database)."""
    current = _snapshot
    if current is None or _time.monotonic() - current[1] > CACHE_TTL_SECONDS:
        return None
    return current[0]


def work_calendar() -> WorkCalendar:
    """The current calendar: administrator rows loaded once (two queries), then cached."""
    global _snapshot
    calendar = peek_work_calendar()
    if calendar is not None:
        return calendar
    from .models import CalendarDay, CalendarYear

    calendar = WorkCalendar.from_rows(
        days=CalendarDay.objects.values_list("date", "is_working_day"),
        complete_years=CalendarYear.objects.filter(complete=True).values_list("year", flat=True),
    )
    with _snapshot_lock:
        _snapshot = (calendar, _time.monotonic())
    return calendar


# --------------------------------------------------------------------------------------------
# Module functions: the current snapshot's answers (existing callers keep working unchanged)
# --------------------------------------------------------------------------------------------


def has_official_schedule(year: int) -> bool:
    """Whether `year` has its official schedule (library, or a complete administrator year)."""
    if library_covers(year):  # no database query needed
        return True
    return work_calendar().has_official_schedule(year)


# The former name (every year has data now: a year without an official schedule is provisional).
has_calendar_data = has_official_schedule


def is_provisional(d: date) -> bool:
    """Whether `d` lies in a year with no official schedule: answers for it are provisional."""
    return not has_official_schedule(_local_day(d).year)


def provisional_years(first: int, last: int) -> list[int]:
    """The provisional years among `first` … `last` (inclusive)."""
    return work_calendar().provisional_years(first, last)


def span_is_provisional(start: datetime | date, end: datetime | date) -> bool:
    """Whether any day between `start` and `end` lies in a provisional year (mark such due times)."""
    return work_calendar().span_is_provisional(start, end)


def is_working_day(d: date) -> bool:
    """Whether `d` is a working day on the official Chinese calendar (A13.1, G.3); provisional
    for a year with no official schedule. Raises `CalendarDataMissing` only outside the window."""
    return work_calendar().is_working_day(d)


def next_working_day(d: date) -> date:
    """The first working day strictly after `d`."""
    return work_calendar().next_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """The date `n` working days after `d`; `d` itself is not counted (A13.1). See WorkCalendar."""
    return work_calendar().add_working_days(d, n)


def working_days_between(a: date, b: date) -> int:
    """Working days in (a, b] (negative if b < a). See `WorkCalendar.working_days_between`."""
    return work_calendar().working_days_between(a, b)


def working_days_in_year(year: int) -> list[date]:
    """Every working day of `year`, in order (provisional for a year with no official schedule)."""
    return work_calendar().working_days_in_year(year)


def next_working_moment(
    dt: datetime, *, day_start: time = DEFAULT_DAY_START, day_end: time = DEFAULT_DAY_END
) -> datetime:
    """`dt` if inside working hours of a working day, else the next opening (G.3)."""
    return work_calendar().next_working_moment(dt, day_start=day_start, day_end=day_end)


def add_business_hours(
    start: datetime,
    hours: Hours,
    *,
    mode: ClockMode | str = "working",
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> datetime:
    """The instant a G.3 clock started at `start` reaches `hours`. See `WorkCalendar.add_business_hours`."""
    return work_calendar().add_business_hours(start, hours, mode=mode, day_start=day_start, day_end=day_end)


def business_duration(
    start: datetime,
    end: datetime,
    *,
    mode: ClockMode | str = "working",
    day_start: time = DEFAULT_DAY_START,
    day_end: time = DEFAULT_DAY_END,
) -> timedelta:
    """The G.3 clock time between two instants. See `WorkCalendar.business_duration`."""
    return work_calendar().business_duration(start, end, mode=mode, day_start=day_start, day_end=day_end)


def next_working_day_at(dt: datetime, at: time) -> datetime:
    """The first instant >= `dt` that is wall-clock `at` on a working day (daily digests)."""
    return work_calendar().next_working_day_at(dt, at)
