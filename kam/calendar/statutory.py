"""The statutory holidays of 全国年节及纪念日放假办法, for years with no official schedule.

Each year the State Council publishes the year's holiday schedule (调休 included); until it does, a
year is answered *provisionally* from the statute alone (see `kam.calendar.workdays`):

* the statutory days off of the version of the statute in force that year (`RULES`; today the 2024
  revision, in force from 2025: New Year 1 day, Spring Festival 4 days — New Year's Eve and lunar
  1/1–1/3 —, Qingming 1, Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National Day 3);
* Article 6: a statutory day off that falls on a Saturday or Sunday is compensated on a working day
  (补假) — here the next weekday that is neither a statutory day off nor already a compensation day;
* a statutory day that coincides with another one (Mid-Autumn on 1–3 October, e.g. 2028-10-03) is
  compensated the same way: both holidays are granted (the 2020 schedule did exactly this:
  "10月3日（星期六）公休日及中秋节分别调至10月5日、10月6日"; the NDRC explained "国庆节放假3天，
  中秋节放假1天，若国庆节与中秋节重合或相连则放假4天");
* Saturdays and Sundays are off, and there are no make-up workdays (调休上班): those exist only in
  the published schedule.

Lunar dates come from lunar-python (`kam.calendar.lunar`); New Year's Eve is the day before lunar
1/1, so a 29-day 腊月 needs no special case. Qingming is the day of the 清明 solar term (China
Standard Time, as lunar-python computes it).

Pure functions, no database.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from types import MappingProxyType

from lunar_python import Solar

from .lunar import lunar_to_solar, spring_festival

__all__ = ["RULES", "StatuteVersion", "provisional_days_off", "statute_for", "statutory_days"]

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class StatuteVersion:
    """One version of 全国年节及纪念日放假办法 (the holidays granted to every citizen, Article 2)."""

    in_force_from: int  # first calendar year the version governs
    name: str
    spring_festival: tuple[int, ...]  # offsets from lunar 1/1 (-1 = New Year's Eve, 除夕)
    labour_days: int  # 1–N May
    lunar_festivals: bool  # Qingming, Dragon Boat and Mid-Autumn are holidays


RULES: tuple[StatuteVersion, ...] = (
    StatuteVersion(1999, "国务院令第270号（1999）", (0, 1, 2), 3, False),
    StatuteVersion(2008, "国务院令第513号（2007年修订）", (-1, 0, 1), 1, True),
    StatuteVersion(2014, "国务院令第644号（2013年修订）", (0, 1, 2), 1, True),
    StatuteVersion(2025, "国务院令第795号（2024年修订）", (-1, 0, 1, 2), 2, True),
)


def statute_for(year: int) -> StatuteVersion:
    """The version of the statute that governs `year` (the 1999 one for earlier years too)."""
    version = RULES[0]
    for rule in RULES:
        if rule.in_force_from <= year:
            version = rule
    return version


def _qingming(year: int) -> date:
    solar = Solar.fromYmd(year, 4, 1).getLunar().getJieQiTable()["清明"]
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def statutory_days(year: int) -> list[tuple[date, str]]:
    """Every statutory holiday day of `year` in date order, one entry per holiday and day — a date
    appears twice when two holidays coincide (e.g. 2028-10-03: National Day and Mid-Autumn)."""
    rule = statute_for(year)
    days: list[tuple[date, str]] = [(date(year, 1, 1), "元旦")]
    new_year = spring_festival(year)
    for offset in rule.spring_festival:
        days.append((new_year + timedelta(days=offset), "春节"))
    days += [(date(year, 5, d), "劳动节") for d in range(1, rule.labour_days + 1)]
    days += [(date(year, 10, d), "国庆节") for d in (1, 2, 3)]
    if rule.lunar_festivals:  # after the fixed dates: on a coincidence the lunar one is compensated
        days.append((_qingming(year), "清明节"))
        days.append((lunar_to_solar(year, 5, 5), "端午节"))
        days.append((lunar_to_solar(year, 8, 15), "中秋节"))
    return sorted(days, key=lambda item: item[0])  # stable: keeps that order within a day


@lru_cache(maxsize=64)
def provisional_days_off(year: int) -> Mapping[date, str]:
    """The weekdays off in `year` under the statute alone: statutory days plus compensation days
    (补假), each with its holiday's name; Saturdays and Sundays are not listed (always off).

    Example (2027): 01-01 元旦; 02-05 除夕 … 02-08, with 02-06/07 (weekend) compensated on 02-09/10;
    05-01/02 (weekend) compensated on 05-03/04; 10-01, and 10-02/03 (weekend) on 10-04/05.
    """
    entitlements = statutory_days(year)
    statutory = {d for d, _name in entitlements}
    off: dict[date, str] = {}
    compensation: set[date] = set()
    seen: set[date] = set()
    for d, name in entitlements:
        weekend = d.weekday() >= 5
        if not weekend:
            off[d] = f"{off[d]}、{name}" if d in seen else name
        if weekend or d in seen:  # Article 6, or a second holiday on the same day
            c = d + ONE_DAY
            while c.weekday() >= 5 or c in statutory or c in compensation:
                c += ONE_DAY
            compensation.add(c)
            off[c] = f"{name}（补假）"
        seen.add(d)
    return MappingProxyType(dict(sorted(off.items())))
