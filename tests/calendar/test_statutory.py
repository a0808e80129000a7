"""The provisional calendar: 全国年节及纪念日放假办法 (2024 revision) for years with no official schedule,
and the cross-check against the `holidays` package's estimate (holidays.CN). Pure: no database."""

from __future__ import annotations

from datetime import date, timedelta

import holidays
import pytest

from kam.calendar.lunar import lunar_month_days, lunar_to_solar, spring_festival
from kam.calendar.statutory import RULES, provisional_days_off, statute_for, statutory_days


def d(month: int, day: int, year: int = 2027) -> date:
    return date(year, month, day)


# Worked out by hand from the statute and a calendar (weekday in brackets):
# 2027: 元旦 01-01 (Fri). 春节: 腊月 of lunar 2026 has 29 days, so 除夕 is 02-05 (Fri), 初一 02-06 (Sat),
# 初二 02-07 (Sun), 初三 02-08 (Mon); the two weekend days are compensated on the next weekdays that are
# not holidays: 02-09, 02-10. 清明 04-05 (Mon). 劳动节 05-01 (Sat), 05-02 (Sun) → 05-03, 05-04.
# 端午 (lunar 5/5) 06-09 (Wed). 中秋 (lunar 8/15) 09-15 (Wed). 国庆 10-01 (Fri), 10-02 (Sat), 10-03 (Sun)
# → 10-04, 10-05.
STATUTE_2027 = {
    d(1, 1): "元旦",
    d(2, 5): "春节", d(2, 8): "春节", d(2, 9): "春节（补假）", d(2, 10): "春节（补假）",
    d(4, 5): "清明节",
    d(5, 3): "劳动节（补假）", d(5, 4): "劳动节（补假）",
    d(6, 9): "端午节",
    d(9, 15): "中秋节",
    d(10, 1): "国庆节", d(10, 4): "国庆节（补假）", d(10, 5): "国庆节（补假）",
}

# 2028: 元旦 01-01 (Sat) → 01-03 (Mon). 春节 除夕 01-25 (Tue) … 初三 01-28 (Fri). 清明 04-04 (Tue).
# 劳动节 05-01 (Mon), 05-02 (Tue). 端午 05-28 (Sun) → 05-29 (Mon) (2028 has a leap 5th month: the
# festival is in the regular one). 国庆 10-01 (Sun) → 10-04; 中秋 is 10-03 (Tue), the same day as the
# third National Day: both holidays are granted, so 中秋 is compensated too → 10-05.
STATUTE_2028 = {
    d(1, 3, 2028): "元旦（补假）",
    d(1, 25, 2028): "春节", d(1, 26, 2028): "春节", d(1, 27, 2028): "春节", d(1, 28, 2028): "春节",
    d(4, 4, 2028): "清明节",
    d(5, 1, 2028): "劳动节", d(5, 2, 2028): "劳动节",
    d(5, 29, 2028): "端午节（补假）",
    d(10, 2, 2028): "国庆节", d(10, 3, 2028): "国庆节、中秋节", d(10, 4, 2028): "国庆节（补假）",
    d(10, 5, 2028): "中秋节（补假）",
}


def test_2027_provisional_days_off_follow_the_statute() -> None:
    assert dict(provisional_days_off(2027)) == STATUTE_2027


def test_2028_provisional_days_off_follow_the_statute_including_a_coincidence() -> None:
    assert dict(provisional_days_off(2028)) == STATUTE_2028


def test_new_years_eve_after_a_29_day_last_month() -> None:
    """除夕 is the last day of 腊月, whatever its length: never lunar 12/30 blindly."""
    assert lunar_month_days(2026, 12) == 29
    assert spring_festival(2027) == d(2, 6)
    assert (d(2, 5), "春节") in statutory_days(2027)
    assert lunar_month_days(2029, 12) == 30  # a 30-day 腊月: 除夕 is 12/30 = 2030-02-02
    assert (d(2, 2, 2030), "春节") in statutory_days(2030)
    assert lunar_to_solar(2029, 12, 30) == d(2, 2, 2030)


def test_the_2024_revision_governs_from_2025_and_grants_thirteen_days() -> None:
    """Article 2 (2024 revision): 1 + 4 + 1 + 2 + 1 + 1 + 3 = 13 days; Article 6 compensates every
    weekend one, so each year has exactly 13 weekdays off — never a make-up workday."""
    assert statute_for(2025).name.startswith("国务院令第795号") and statute_for(2040) is RULES[-1]
    for year in range(2025, 2046):
        entitlements = statutory_days(year)
        assert len(entitlements) == 13
        off = provisional_days_off(year)
        assert len(off) == 13, year
        assert all(day.weekday() < 5 and day.year == year for day in off), year


def test_earlier_versions_of_the_statute() -> None:
    """Years the library does not cover before 2004 follow the 1999 measures (Spring Festival 初一–初三,
    Labour Day 1–3 May, no lunar festivals). 2003: 初一 is Saturday 02-01."""
    names = [name for _day, name in statutory_days(2003)]
    assert names.count("春节") == 3 and names.count("劳动节") == 3 and "中秋节" not in names
    off = provisional_days_off(2003)
    assert off[date(2003, 2, 3)] == "春节"
    assert off[date(2003, 2, 4)] == off[date(2003, 2, 5)] == "春节（补假）"
    assert statute_for(2010).spring_festival == (-1, 0, 1)  # 2007 revision: 除夕, 初一, 初二
    assert statute_for(2020).spring_festival == (0, 1, 2)  # 2013 revision: 初一 – 初三


def _holidays_cn_weekdays_off(year: int) -> set[date]:
    return {day for day in holidays.CN(years=year) if day.weekday() < 5}


def _holidays_cn_weekend_workdays(year: int) -> set[date]:
    start = date(year, 1, 1)
    cn = holidays.CN(years=year)
    return {start + timedelta(days=i) for i in range(366)
            if (start + timedelta(days=i)).year == year and (start + timedelta(days=i)).weekday() >= 5
            and cn.is_working_day(start + timedelta(days=i))}


def test_holidays_cn_agrees_with_the_statute_for_2027() -> None:
    """holidays.CN (0.109) estimates 2027 exactly as the statute does: same weekdays off, no make-up
    workdays."""
    assert holidays.__version__.startswith("0.109")
    assert _holidays_cn_weekdays_off(2027) == set(STATUTE_2027)
    assert _holidays_cn_weekend_workdays(2027) == set()


def test_holidays_cn_misses_the_compensation_when_two_holidays_coincide() -> None:
    """Why the project computes the statute itself: holidays.CN grants only one day when Mid-Autumn
    falls on a National Day (2028-10-03, 2031-10-01), while both holidays are due — the 2020 schedule
    gave 10-01 (both) its own two days ("10月3日公休日及中秋节分别调至10月5日、10月6日"). Every other
    estimate from 2027 to 2045 is the same."""
    differences = {}
    for year in range(2027, 2046):
        ours, theirs = set(provisional_days_off(year)), _holidays_cn_weekdays_off(year)
        if ours != theirs:
            differences[year] = (sorted(ours - theirs), sorted(theirs - ours))
        assert _holidays_cn_weekend_workdays(year) == set()
    assert differences == {
        2028: ([date(2028, 10, 5)], []),
        2031: ([date(2031, 10, 6)], []),
    }


@pytest.mark.parametrize("year", [2027, 2028])
def test_provisional_days_are_read_only(year: int) -> None:
    with pytest.raises(TypeError):
        provisional_days_off(year)[date(year, 3, 1)] = "x"  # type: ignore[index]
