"""The occasions of A14.1 as pure functions of dates: Spring Festival and Mid-Autumn (lunar), a customer's company
anniversary (29 February → 28 February in non-leap years), decision makers' birthdays on the solar or the lunar
calendar (a leap-month birthday is kept in the regular month of its number — kam.calendar.lunar), and the
occasions an account manager adds. No database, no clock: `occasions_between(first, last, …)` lists every
occasion whose day falls in [first, last], each with a stable key (its kind, its source and its day)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kam.calendar.lunar import mid_autumn, next_lunar_anniversary, next_solar_anniversary, spring_festival

LUNAR_MONTHS = ["正月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "冬月", "腊月"]
LUNAR_DAYS = ["初一", "初二", "初三", "初四", "初五", "初六", "初七", "初八", "初九", "初十",
              "十一", "十二", "十三", "十四", "十五", "十六", "十七", "十八", "十九", "二十",
              "廿一", "廿二", "廿三", "廿四", "廿五", "廿六", "廿七", "廿八", "廿九", "三十"]


@dataclass(frozen=True)
class Occasion:
    key: str  # stable and URL-safe: "<kind>-<source id>-<YYYYMMDD>"
    kind: str  # festival | anniversary | birthday | custom
    on: dt.date
    title: str  # Chinese, basic data only
    contact_id: int | None = None  # a birthday's person, a custom occasion's person


@dataclass(frozen=True)
class Birthday:
    contact_id: int
    name: str
    kind: str  # solar | lunar
    month: int
    day: int
    leap: bool = False


@dataclass(frozen=True)
class Holiday:
    """A holiday of the company's list (kam.care.models.CompanyHoliday): a solar or lunar month and day."""

    id: int
    name: str
    kind: str  # solar | lunar
    month: int
    day: int


@dataclass(frozen=True)
class CustomOccasion:
    id: int
    title: str
    on: dt.date
    yearly: bool
    contact_id: int | None = None


def lunar_words(month: int, day: int, leap: bool = False) -> str:
    """农历八月十五, 农历闰四月初八."""
    return f"农历{'闰' if leap else ''}{LUNAR_MONTHS[month - 1]}{LUNAR_DAYS[day - 1]}"


@lru_cache(maxsize=4096)
def _lunar_next(month: int, day: int, leap: bool, after: dt.date) -> dt.date:
    return next_lunar_anniversary(month, day, leap=leap, after=after)


def _yearly(next_on, first: dt.date, last: dt.date) -> Iterable[dt.date]:
    """Every day in [first, last] of a yearly date, `next_on(after)` giving the first one on or after `after`."""
    day = next_on(first)
    while day <= last:
        yield day
        day = next_on(day + dt.timedelta(days=1))


def festivals(first: dt.date, last: dt.date) -> list[Occasion]:
    """A14.1: Spring Festival (正月初一) and Mid-Autumn (八月十五) falling in [first, last]."""
    out = []
    for year in range(first.year - 1, last.year + 2):
        for name, day in (("spring", spring_festival(year)), ("midautumn", mid_autumn(year))):
            if first <= day <= last:
                out.append(Occasion(f"{name}-0-{day:%Y%m%d}", "festival", day,
                                    "春节" if name == "spring" else "中秋节"))
    return sorted(out, key=lambda o: o.on)


def company_holidays(holidays: Iterable[Holiday], first: dt.date, last: dt.date) -> list[Occasion]:
    """A14.1: the other holidays the company lists (元旦, 端午 on 农历五月初五, 国庆 …) falling in [first, last]."""
    out = []
    for h in holidays:
        if h.kind == "lunar":
            def next_on(after, h=h):
                return _lunar_next(h.month, h.day, False, after)
        else:
            def next_on(after, h=h):
                return next_solar_anniversary(h.month, h.day, after)
        out += [Occasion(f"hol-{h.id}-{day:%Y%m%d}", "festival", day, h.name) for day in _yearly(next_on, first, last)]
    return sorted(out, key=lambda o: (o.on, o.key))


def anniversaries(founded_on: dt.date | None, first: dt.date, last: dt.date) -> list[Occasion]:
    """A14.1: the company's founding day each year (29 February → 28 February in non-leap years)."""
    if founded_on is None:
        return []
    out = []
    for day in _yearly(lambda after: next_solar_anniversary(founded_on.month, founded_on.day, after), first, last):
        years = day.year - founded_on.year
        if years > 0:
            out.append(Occasion(f"anniv-0-{day:%Y%m%d}", "anniversary", day, f"公司成立 {years} 周年"))
    return out


def birthdays(b: Birthday, first: dt.date, last: dt.date) -> list[Occasion]:
    """A14.1: a decision maker's birthday — solar (29 February → 28 February), or lunar: a different solar day
    each year, a leap-month birthday in the regular month of its number, day 30 → 29 in a short month."""
    if b.kind == "lunar":
        def next_on(after):
            return _lunar_next(b.month, b.day, b.leap, after)
        words = f"（{lunar_words(b.month, b.day, b.leap)}）"
    else:
        def next_on(after):
            return next_solar_anniversary(b.month, b.day, after)
        words = ""
    return [Occasion(f"bday-{b.contact_id}-{day:%Y%m%d}", "birthday", day, f"{b.name}生日{words}", b.contact_id)
            for day in _yearly(next_on, first, last)]


def customs(c: CustomOccasion, first: dt.date, last: dt.date) -> list[Occasion]:
    """An occasion the account manager added: once, or every year on its day."""
    if not c.yearly:
        days: Iterable[dt.date] = [c.on] if first <= c.on <= last else []
    else:
        days = [d for d in _yearly(lambda after: next_solar_anniversary(c.on.month, c.on.day, after), first, last)
                if d >= c.on]
    return [Occasion(f"custom-{c.id}-{day:%Y%m%d}", "custom", day, c.title, c.contact_id) for day in days]


def occasions_between(first: dt.date, last: dt.date, *, founded_on: dt.date | None = None,
                      people: Iterable[Birthday] = (), custom: Iterable[CustomOccasion] = (),
                      festival_days: list[Occasion] | None = None, holidays: Iterable[Holiday] = ()
                      ) -> list[Occasion]:
    """Every occasion of one account in [first, last], by day (`festival_days`: the festivals and the company's
    holidays, computed once for all accounts; else Spring Festival, Mid-Autumn and `holidays`)."""
    out = list(festival_days if festival_days is not None
               else festivals(first, last) + company_holidays(holidays, first, last))
    out += anniversaries(founded_on, first, last)
    for b in people:
        out += birthdays(b, first, last)
    for c in custom:
        out += customs(c, first, last)
    return sorted(out, key=lambda o: (o.on, o.key))
