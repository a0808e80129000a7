"""Hour clocks in working-hours mode (G.3): A11.1, A11.2, A15.1 judged from hand-built facts.

These call `evaluate` directly like the database-free tests, but working-hours mode reads the official
calendar (kam/calendar/workdays.py), whose per-year load still queries the administrator's overrides
(`CalendarDay`): so they carry the database mark, with no rows in it (the chinesecalendar library answers
for 2026). When the calendar becomes a pure snapshot in the facts, drop the mark."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.calendar.workdays import clear_cache
from kam.demands.clocks import RequestFacts
from kam.obligations.engine import REGISTRY
from kam.service.clocks import TicketFacts
from tests.obligations.pure import PROPERTY, SH, at, one_version

pytestmark = pytest.mark.django_db

A111, A112, A151 = REGISTRY["A11.1"], REGISTRY["A11.2"], REGISTRY["A15.1"]
WORKING = one_version({"service.clock_mode": "working", "requests.clock_mode": "working"})
CALENDAR = one_version({"service.clock_mode": "calendar", "requests.clock_mode": "calendar"})

# reports in 2026 far enough from the year end that 48 working hours stay inside the calendar's data
reports = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 11, 30, 23, 59),
                       timezones=st.just(SH)).map(lambda d: d.replace(second=0, microsecond=0))


@pytest.fixture(autouse=True)
def _fresh_calendar():
    clear_cache()
    yield
    clear_cache()


def ticket(reported, city="佛山", pauses=()) -> TicketFacts:
    return TicketFacts(1, "GS-0001", 1, "华美酒店", 7, None, reported, None, None, True, city, tuple(pauses))


def request(received) -> RequestFacts:
    return RequestFacts(1, 1, "华美酒店", 7, "定制", "open", received, None, None, None, "")


def test_g3_a11_worked_example_spring_festival():
    """Report Friday 2026-02-13 17:30: response due Saturday 02-14 10:30 (make-up workday); 24 working hours on
    site due Wednesday 02-25 14:30 (the holiday 02-15 … 02-23 does not count)."""
    t = ticket(at(2026, 2, 13, 17, 30))
    assert A111.evaluate([t], timeline=WORKING, now=at(2026, 2, 13, 18))[0].due_at == at(2026, 2, 14, 10, 30)
    assert A112.evaluate([t], timeline=WORKING, now=at(2026, 2, 13, 18))[0].due_at == at(2026, 2, 25, 14, 30)


def test_g3_a15_1_working_hours_is_the_default_for_requests():
    c = {o.period_key.rsplit(":", 1)[1]: o for o in A151.evaluate(
        [request(at(2026, 11, 27, 17, 30))], timeline=one_version({}), now=at(2026, 11, 27, 18))}
    assert c["response"].due_at == at(2026, 11, 30, 9, 30)
    assert c["solution"].due_at == at(2026, 12, 2, 14, 30)


def test_g3_a11_2_a_pause_outside_working_hours_does_not_extend_a_working_hours_clock():
    reported = at(2026, 11, 2, 9)  # Monday
    plain = A112.evaluate([ticket(reported)], timeline=WORKING, now=reported)[0].due_at
    night = A112.evaluate([ticket(reported, pauses=[(at(2026, 11, 2, 19), at(2026, 11, 3, 8))])],
                          timeline=WORKING, now=reported)[0].due_at
    day = A112.evaluate([ticket(reported, pauses=[(at(2026, 11, 2, 10), at(2026, 11, 2, 12))])],
                        timeline=WORKING, now=reported)[0].due_at
    assert night == plain == at(2026, 11, 4, 15)  # 24 working hours: 9 + 9 + 6
    assert day == at(2026, 11, 4, 17)


@PROPERTY
@given(reported=reports, city=st.sampled_from(["佛山", "成都"]))
def test_g3_a_working_hours_due_is_never_before_the_calendar_hours_one(reported, city):
    """G.3 for A11.1, A11.2 and A15.1: working hours are a subset of calendar hours."""
    t, r = ticket(reported, city), request(reported)
    for rule, facts in ((A111, [t]), (A112, [t]), (A151, [r])):
        working = sorted(o.due_at for o in rule.evaluate(facts, timeline=WORKING, now=reported))
        calendar = sorted(o.due_at for o in rule.evaluate(facts, timeline=CALENDAR, now=reported))
        assert len(working) == len(calendar)
        for w, c in zip(working, calendar, strict=True):
            assert w >= c
            local = w.astimezone(SH)
            assert dt.time(9) <= local.time() <= dt.time(18)  # a working-hours clock falls due in working hours
