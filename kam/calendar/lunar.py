"""Lunar (农历) dates for Spring Festival, Mid-Autumn and lunar birthdays (A14.1).

Conventions for anniversaries (documented, tested):

* A day-30 anniversary in a lunar month that has only 29 days is celebrated on day 29 (clamp).
* A leap-month (闰月) anniversary is celebrated in the regular month of the same number, every
  year — also in a year that has that leap month again (the regular month comes first and is the
  one families commonly use; this keeps exactly one celebration per lunar year).
* A solar 29 February anniversary is celebrated on 28 February in non-leap years.
"""

from __future__ import annotations

import calendar as _pycalendar
from datetime import date

from lunar_python import Lunar, LunarYear, Solar

__all__ = [
    "lunar_month_days",
    "lunar_to_solar",
    "mid_autumn",
    "next_lunar_anniversary",
    "next_solar_anniversary",
    "solar_to_lunar",
    "spring_festival",
]


def _check_month_day(month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"lunar month must be 1..12, got {month}")
    if not 1 <= day <= 30:
        raise ValueError(f"lunar day must be 1..30, got {day}")


def lunar_month_days(year: int, month: int, *, leap: bool = False) -> int:
    """Days (29 or 30) in lunar `month` of lunar `year`; ValueError if that (leap) month does not exist."""
    _check_month_day(month, 1)
    if leap and LunarYear.fromYear(year).getLeapMonth() != month:
        raise ValueError(f"lunar year {year} has no leap month {month}")
    return int(LunarYear.fromYear(year).getMonth(-month if leap else month).getDayCount())


def lunar_to_solar(year: int, month: int, day: int, *, leap: bool = False) -> date:
    """The solar date of lunar `year`-`month`-`day` (`leap=True`: the leap month). Strict: raises
    ValueError for a day 30 in a 29-day month or a leap month the year does not have."""
    _check_month_day(month, day)
    days = lunar_month_days(year, month, leap=leap)
    if day > days:
        raise ValueError(f"lunar {year}-{'闰' if leap else ''}{month} has only {days} days")
    solar = Lunar.fromYmd(year, -month if leap else month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def solar_to_lunar(d: date) -> tuple[int, int, int, bool]:
    """(lunar year, month, day, is_leap_month) of a solar date."""
    lunar = Solar.fromYmd(d.year, d.month, d.day).getLunar()
    month = lunar.getMonth()
    return lunar.getYear(), abs(month), lunar.getDay(), month < 0


def spring_festival(year: int) -> date:
    """春节: lunar 1/1 of lunar year `year` (e.g. 2027 → 2027-02-06)."""
    return lunar_to_solar(year, 1, 1)


def mid_autumn(year: int) -> date:
    """中秋节: lunar 8/15 of lunar year `year` (e.g. 2026 → 2026-09-25)."""
    return lunar_to_solar(year, 8, 15)


def next_lunar_anniversary(month: int, day: int, *, leap: bool = False, after: date) -> date:
    """The first solar date on or after `after` of the lunar anniversary `month`/`day` (A14.1).

    Day 30 in a 29-day month → day 29; a leap-month anniversary (`leap=True`) is celebrated in the
    regular month of that number (see the module docstring).
    """
    _check_month_day(month, day)
    del leap  # by convention the regular month is used; the flag is accepted for clarity at call sites
    lunar_year = solar_to_lunar(after)[0]
    for year in (lunar_year, lunar_year + 1):
        candidate = lunar_to_solar(year, month, min(day, lunar_month_days(year, month)))
        if candidate >= after:
            return candidate
    raise AssertionError("unreachable: a lunar year has every regular month")  # pragma: no cover


def next_solar_anniversary(month: int, day: int, after: date) -> date:
    """The first solar date on or after `after` of `month`/`day`; 29 Feb → 28 Feb in non-leap years."""
    date(2000, month, day)  # validates (2000 is a leap year, so 02-29 is accepted)
    for year in (after.year, after.year + 1):
        d = day
        if month == 2 and day == 29 and not _pycalendar.isleap(year):
            d = 28
        candidate = date(year, month, d)
        if candidate >= after:
            return candidate
    raise AssertionError("unreachable")  # pragma: no cover
