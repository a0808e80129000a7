"""G.2 calendar periods in Asia/Shanghai: weeks Monday–Sunday; fortnights are pairs of ISO weeks counted
from ISO week 1 of the year (weeks 1–2, 3–4, …; a 53rd week closes the year's last fortnight alone);
months; quarters; half-years (Jan–Jun, Jul–Dec); years. Pure functions, aware datetimes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Shanghai")
PERIODS = ("week", "fortnight", "month", "quarter", "half_year", "year")


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.datetime  # inclusive, aware (Asia/Shanghai midnight)
    end: dt.datetime  # exclusive
    key: str  # e.g. 2026-W48, 2026-F24, 2026-11, 2026-Q4, 2026-H2, 2026

    def contains(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end

    @property
    def length(self) -> dt.timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        return period_of(self.kind, self.start - dt.timedelta(microseconds=1))

    def next(self) -> Period:
        return period_of(self.kind, self.end)


def _midnight(d: dt.date) -> dt.datetime:
    return dt.datetime(d.year, d.month, d.day, tzinfo=TZ)


def _iso_weeks(year: int) -> int:
    return dt.date(year, 12, 28).isocalendar()[1]


def period_of(kind: str, at: dt.datetime) -> Period:
    if at.tzinfo is None:
        raise ValueError("aware datetime required")
    local = at.astimezone(TZ)
    d = local.date()
    if kind == "week":
        start = d - dt.timedelta(days=d.weekday())
        iso = start.isocalendar()
        return Period(kind, _midnight(start), _midnight(start + dt.timedelta(days=7)), f"{iso[0]}-W{iso[1]:02d}")
    if kind == "fortnight":
        iso_year, week, _day = d.isocalendar()
        index = (week - 1) // 2  # 0-based fortnight of the ISO year
        first_week = index * 2 + 1
        start = dt.date.fromisocalendar(iso_year, first_week, 1)
        weeks = 1 if first_week == 53 or (first_week + 1 > _iso_weeks(iso_year)) else 2
        return Period(kind, _midnight(start), _midnight(start + dt.timedelta(days=7 * weeks)),
                      f"{iso_year}-F{index + 1:02d}")
    if kind == "month":
        start = d.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        return Period(kind, _midnight(start), _midnight(end), f"{d.year}-{d.month:02d}")
    if kind == "quarter":
        q = (d.month - 1) // 3
        start = dt.date(d.year, q * 3 + 1, 1)
        end = dt.date(d.year + (q == 3), (q * 3 + 3) % 12 + 1, 1)
        return Period(kind, _midnight(start), _midnight(end), f"{d.year}-Q{q + 1}")
    if kind == "half_year":
        h = 0 if d.month <= 6 else 1
        start = dt.date(d.year, 1 if h == 0 else 7, 1)
        end = dt.date(d.year, 7, 1) if h == 0 else dt.date(d.year + 1, 1, 1)
        return Period(kind, _midnight(start), _midnight(end), f"{d.year}-H{h + 1}")
    if kind == "year":
        return Period(kind, _midnight(dt.date(d.year, 1, 1)), _midnight(dt.date(d.year + 1, 1, 1)), str(d.year))
    raise ValueError(f"unknown period {kind!r}")


def periods_between(kind: str, start: dt.datetime, end: dt.datetime) -> list[Period]:
    """Every period of `kind` that overlaps [start, end)."""
    result = []
    p = period_of(kind, start)
    while p.start < end:
        result.append(p)
        p = p.next()
    return result
