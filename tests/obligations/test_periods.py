"""G.2 periods in Asia/Shanghai: week edges in local time, ISO-anchored fortnights, months, quarters."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kam.obligations.periods import period_of, periods_between

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def test_g2_sunday_2330_shanghai_is_that_week_monday_0010_the_next():
    sunday_late = dt.datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # Sunday 23:30 in Shanghai
    monday_early = dt.datetime(2026, 11, 22, 16, 10, tzinfo=UTC)  # Monday 00:10 in Shanghai
    a, b = period_of("week", sunday_late), period_of("week", monday_early)
    assert a.key == "2026-W47" and b.key == "2026-W48"
    assert a.end == b.start == dt.datetime(2026, 11, 23, tzinfo=SH)


def test_g2_fortnights_are_iso_week_pairs_across_a_year_end():
    # 2026 has 53 ISO weeks: week 53 (2026-12-28 .. 2027-01-03) closes the last fortnight alone
    p = period_of("fortnight", dt.datetime(2026, 12, 30, 12, tzinfo=SH))
    assert p.key == "2026-F27" and p.start == dt.datetime(2026, 12, 28, tzinfo=SH)
    assert p.end == dt.datetime(2027, 1, 4, tzinfo=SH)
    nxt = p.next()
    assert nxt.key == "2027-F01" and nxt.end == dt.datetime(2027, 1, 18, tzinfo=SH)
    # weeks 1-2 of 2026 pair up; week 3 starts the second fortnight
    assert period_of("fortnight", dt.datetime(2026, 1, 11, 23, tzinfo=SH)).key == "2026-F01"
    assert period_of("fortnight", dt.datetime(2026, 1, 12, 0, 1, tzinfo=SH)).key == "2026-F02"
    # a 52-week year: 2025's last fortnight is weeks 51-52
    assert period_of("fortnight", dt.datetime(2025, 12, 28, tzinfo=SH)).key == "2025-F26"


@pytest.mark.parametrize("kind,at,key,start,end", [
    ("month", dt.datetime(2026, 1, 31, 23, 59, tzinfo=SH), "2026-01", dt.date(2026, 1, 1), dt.date(2026, 2, 1)),
    ("month", dt.datetime(2026, 12, 31, 23, 59, tzinfo=SH), "2026-12", dt.date(2026, 12, 1), dt.date(2027, 1, 1)),
    ("quarter", dt.datetime(2026, 3, 31, 23, 59, tzinfo=SH), "2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 4, 1)),
    ("quarter", dt.datetime(2026, 10, 1, tzinfo=SH), "2026-Q4", dt.date(2026, 10, 1), dt.date(2027, 1, 1)),
    ("half_year", dt.datetime(2026, 6, 30, 23, tzinfo=SH), "2026-H1", dt.date(2026, 1, 1), dt.date(2026, 7, 1)),
    ("half_year", dt.datetime(2026, 7, 1, tzinfo=SH), "2026-H2", dt.date(2026, 7, 1), dt.date(2027, 1, 1)),
    ("year", dt.datetime(2026, 7, 1, tzinfo=SH), "2026", dt.date(2026, 1, 1), dt.date(2027, 1, 1)),
])
def test_g2_period_edges(kind, at, key, start, end):
    p = period_of(kind, at)
    assert (p.key, p.start.date(), p.end.date()) == (key, start, end)


def test_month_end_in_utc_is_next_month_in_shanghai():
    assert period_of("month", dt.datetime(2026, 10, 31, 16, 30, tzinfo=UTC)).key == "2026-11"


def test_periods_between_and_previous():
    weeks = periods_between("week", dt.datetime(2026, 11, 1, tzinfo=SH), dt.datetime(2026, 11, 30, tzinfo=SH))
    assert weeks[0].key == "2026-W44" and weeks[-1].key == "2026-W48" and len(weeks) == 5
    assert period_of("quarter", dt.datetime(2026, 1, 5, tzinfo=SH)).previous().key == "2025-Q4"
