"""Green-channel clocks without a database: A11.1 first response and A11.2 on site (hour clocks in calendar
and working hours with the calendar snapshot in the facts, pauses, same or other city), A11.3 care sessions (a
period clock owned by after-sales). Facts are built by hand and `evaluate` is called directly; no test has the
`db` fixture (pytest-django refuses any query)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.calendar.workdays import WorkCalendar
from kam.obligations.engine import BREACHED, DUE_SOON, MET, MET_LATE, REGISTRY, UPCOMING
from kam.service.clocks import TicketFacts, TicketLoad
from tests.obligations.pure import (
    CAL,
    DEFAULTS,
    PROPERTY,
    STATE_ORDER,
    account,
    at,
    by_period,
    instants_2026,
    one_version,
    period_facts,
    run,
    timeline,
    values,
)

A111, A112, A113 = REGISTRY["A11.1"], REGISTRY["A11.2"], REGISTRY["A11.3"]
REPORTED = at(2026, 11, 2, 9)


def ticket(tid=1, *, reported=REPORTED, responded=None, on_site=None, onsite=True, city="佛山", technician=None,
           manager=7, pauses=()) -> TicketFacts:
    return TicketFacts(id=tid, number=f"GS-{tid:04d}", customer_id=1, customer_name="华美酒店",
                       account_manager_id=manager, technician_id=technician, reported_at=reported,
                       responded_at=responded, on_site_at=on_site, onsite_needed=onsite, site_city=city,
                       pauses=tuple(pauses))


def clocks(rule, tickets, *, now, policy=DEFAULTS, calendar=CAL):
    """A11.1 / A11.2 on these tickets, the working calendar (G.3) given as a value."""
    return rule.evaluate(TicketLoad(tickets=list(tickets), calendar=calendar), timeline=policy, now=now)


def one(rule, tickets, *, now, policy=DEFAULTS):
    obs = clocks(rule, tickets, now=now, policy=policy)
    assert len(obs) == 1, obs
    return obs[0]


# --- A11.1 first response -----------------------------------------------------------------------------------

@pytest.mark.parametrize("now,responded,state", [
    (at(2026, 11, 2, 9, 30), None, UPCOMING),
    (at(2026, 11, 2, 10, 30), None, UPCOMING),  # 30 min of 2 h left: exactly a quarter
    (at(2026, 11, 2, 10, 31), None, DUE_SOON),
    (at(2026, 11, 2, 11), None, BREACHED),
    (at(2026, 11, 2, 12), at(2026, 11, 2, 10, 59, 59), MET),
    (at(2026, 11, 2, 12), at(2026, 11, 2, 11), MET),
    (at(2026, 11, 2, 12), at(2026, 11, 2, 11, 0, 1), MET_LATE),
])
def test_a11_1_first_response_within_2_calendar_hours(now, responded, state):
    o = one(A111, [ticket(responded=responded)], now=now)
    assert (o.window_start, o.due_at, o.state, o.met_at) == (REPORTED, at(2026, 11, 2, 11), state, responded)


def test_a11_1_after_sales_queue_owns_it_until_a_technician_does_the_manager_watches():
    o = one(A111, [ticket(manager=7)], now=REPORTED)
    assert (o.owner_id, o.owner_role, o.watcher_id, o.queue) == (None, "after_sales", 7, "after_sales")
    assert o.escalation_role == "head_of_sales"
    assert (o.subject_type, o.subject_id, o.customer_id) == ("ticket", 1, 1)
    assert o.label == "华美酒店 · GS-0001 · 2 小时内响应" and o.url == "/service/tickets/1/"
    assert o.period_key == f"{int(REPORTED.timestamp())}:response"
    o = one(A111, [ticket(technician=55)], now=REPORTED)
    assert (o.owner_id, o.owner_role, o.queue) == (55, "", "after_sales")
    assert one(A111, [ticket(manager=None)], now=REPORTED).watcher_id is None


def test_a11_1_every_ticket_has_a_response_clock_whether_or_not_on_site_is_needed():
    obs = clocks(A111, [ticket(1, onsite=False), ticket(2, onsite=True)], now=REPORTED)
    assert sorted(o.subject_id for o in obs) == [1, 2]


def test_a11_1_g1_response_hours_of_the_version_in_force_at_the_report():
    policy = timeline((at(2020, 1, 1), values()), (at(2026, 11, 2, 10), values({"service.response_hours": 4})))
    obs = {o.subject_id: o for o in clocks(A111, [ticket(1), ticket(2, reported=at(2026, 11, 2, 10))],
                                        now=at(2026, 11, 2, 10, 30), policy=policy)}
    assert obs[1].due_at == at(2026, 11, 2, 11) and obs[1].label.endswith("2 小时内响应")
    assert obs[2].due_at == at(2026, 11, 2, 14) and obs[2].label.endswith("4 小时内响应")


def test_a11_1_fractional_hours():
    o = one(A111, [ticket()], now=REPORTED, policy=one_version({"service.response_hours": "1.5"}))
    assert o.due_at == at(2026, 11, 2, 10, 30)


# --- A11.2 on site --------------------------------------------------------------------------------------

@pytest.mark.parametrize("city,due", [
    ("佛山", at(2026, 11, 3, 9)),
    (" 佛山 ", at(2026, 11, 3, 9)),
    ("成都", at(2026, 11, 4, 9)),
    ("", at(2026, 11, 4, 9)),  # no site city recorded: the other-city time
])
def test_a11_2_on_site_within_24_hours_in_the_company_city_48_elsewhere(city, due):
    o = one(A112, [ticket(city=city)], now=REPORTED)
    assert o.due_at == due and o.state == UPCOMING
    assert o.period_key == f"{int(REPORTED.timestamp())}:onsite"


def test_a11_2_company_city_and_hours_come_from_the_policy():
    policy = one_version({"company.city": "广州", "service.onsite_hours_same_city": 12,
                          "service.onsite_hours_other_city": 36})
    assert one(A112, [ticket(city="广州")], now=REPORTED, policy=policy).due_at == at(2026, 11, 2, 21)
    o = one(A112, [ticket(city="佛山")], now=REPORTED, policy=policy)
    assert o.due_at == at(2026, 11, 3, 21) and o.label == "华美酒店 · GS-0001 · 36 小时内上门（佛山）"


def test_a11_2_no_clock_when_on_site_is_not_needed():
    assert clocks(A112, [ticket(onsite=False)], now=REPORTED) == []


@pytest.mark.parametrize("on_site,state", [(at(2026, 11, 3, 9), MET), (at(2026, 11, 3, 9, 0, 1), MET_LATE)])
def test_a11_2_met_or_met_late_by_the_technician_s_arrival(on_site, state):
    o = one(A112, [ticket(on_site=on_site)], now=at(2026, 11, 5))
    assert o.state == state and o.met_at == on_site


def test_a11_2_an_open_pause_stops_the_clock_no_obligation_while_paused():
    paused = ticket(pauses=[(at(2026, 11, 2, 12), None)])
    assert clocks(A112, [paused], now=at(2026, 11, 10)) == []  # even long past the unpaused due time
    # the response clock does not pause
    assert one(A111, [paused], now=at(2026, 11, 10)).state == BREACHED


def test_a11_2_closed_pauses_extend_the_due_time_by_their_length():
    one_pause = ticket(pauses=[(at(2026, 11, 2, 12), at(2026, 11, 2, 15))])
    assert one(A112, [one_pause], now=REPORTED).due_at == at(2026, 11, 3, 12)
    two = ticket(pauses=[(at(2026, 11, 2, 12), at(2026, 11, 2, 15)), (at(2026, 11, 3, 8), at(2026, 11, 3, 8, 30))])
    assert one(A112, [two], now=REPORTED).due_at == at(2026, 11, 3, 12, 30)
    # judged against the extended time: arriving at 11:00 the next day is on time
    assert one(A112, [ticket(on_site=at(2026, 11, 3, 11), pauses=one_pause.pauses)], now=at(2026, 11, 4)).state \
        == MET


def test_a11_2_g4_the_window_of_a_paused_ticket_is_report_to_extended_due():
    o = one(A112, [ticket(pauses=[(at(2026, 11, 2, 10), at(2026, 11, 2, 18))])], now=at(2026, 11, 3, 10))
    # 32 h window (24 h + 8 h paused): due soon when less than 8 h remain (from 09:00 on 11-03)
    assert o.due_at == at(2026, 11, 3, 17) and o.state == DUE_SOON


def test_a11_2_g1_hours_of_the_version_in_force_at_the_report():
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 11, 2, 12), values({"service.onsite_hours_other_city": 72})))
    obs = {o.subject_id: o for o in clocks(A112, [ticket(1, city="成都"), ticket(2, city="成都",
                                                                             reported=at(2026, 11, 2, 12))],
                                        now=at(2026, 11, 2, 13), policy=policy)}
    assert obs[1].due_at == at(2026, 11, 4, 9) and obs[2].due_at == at(2026, 11, 5, 12)


@PROPERTY
@given(reported=instants_2026, city=st.sampled_from(["佛山", "成都"]),
       pauses=st.lists(st.tuples(st.integers(0, 100 * 60), st.integers(1, 20 * 60)), max_size=4))
def test_a11_2_closed_pauses_add_exactly_their_length_in_calendar_hours(reported, city, pauses):
    spans, total = [], dt.timedelta()
    for offset, length in pauses:
        start = reported + dt.timedelta(minutes=offset)
        spans.append((start, start + dt.timedelta(minutes=length)))
        total += dt.timedelta(minutes=length)
    plain = one(A112, [ticket(reported=reported, city=city)], now=reported).due_at
    paused = one(A112, [ticket(reported=reported, city=city, pauses=spans)], now=reported).due_at
    assert paused == plain + total and paused >= plain


@PROPERTY
@given(reported=instants_2026, now_a=instants_2026, now_b=instants_2026, city=st.sampled_from(["佛山", "成都"]))
def test_a11_1_a11_2_state_is_monotone_in_now_until_met(reported, now_a, now_b, city):
    early, late = sorted((now_a, now_b))
    t = ticket(reported=reported, city=city)
    for rule in (A111, A112):
        a, b = one(rule, [t], now=early), one(rule, [t], now=late)
        assert a.due_at == b.due_at and STATE_ORDER[a.state] <= STATE_ORDER[b.state]


# --- working hours (G.3) ---------------------------------------------------------------------------------

WORKING = one_version({"service.clock_mode": "working"})


def test_g3_a11_worked_example_spring_festival():
    """Report Friday 2026-02-13 17:30: response due Saturday 02-14 10:30 (make-up workday); 24 working hours on
    site due Wednesday 02-25 14:30 (the holiday 02-15 … 02-23 does not count)."""
    t = ticket(reported=at(2026, 2, 13, 17, 30))
    response = one(A111, [t], now=at(2026, 2, 13, 18), policy=WORKING)
    assert response.due_at == at(2026, 2, 14, 10, 30) and not response.provisional
    assert one(A112, [t], now=at(2026, 2, 13, 18), policy=WORKING).due_at == at(2026, 2, 25, 14, 30)


def test_g3_a11_2_a_pause_outside_working_hours_does_not_extend_a_working_hours_clock():
    reported = at(2026, 11, 2, 9)  # Monday
    plain = one(A112, [ticket(reported=reported)], now=reported, policy=WORKING).due_at
    night = one(A112, [ticket(reported=reported, pauses=[(at(2026, 11, 2, 19), at(2026, 11, 3, 8))])],
                now=reported, policy=WORKING).due_at
    day = one(A112, [ticket(reported=reported, pauses=[(at(2026, 11, 2, 10), at(2026, 11, 2, 12))])],
              now=reported, policy=WORKING).due_at
    assert night == plain == at(2026, 11, 4, 15)  # 24 working hours: 9 + 9 + 6
    assert day == at(2026, 11, 4, 17)


def test_g3_a11_an_administrator_s_day_row_moves_a_working_hours_due_time():
    """The calendar in the facts decides: a working Monday 11-02 made a day off moves 2 working hours on."""
    off = WorkCalendar.from_rows(days={dt.date(2026, 11, 2): False}, today=dt.date(2026, 6, 1))
    t = ticket(reported=at(2026, 11, 2, 9))
    assert clocks(A111, [t], now=t.reported_at, policy=WORKING)[0].due_at == at(2026, 11, 2, 11)
    assert clocks(A111, [t], now=t.reported_at, policy=WORKING, calendar=off)[0].due_at == at(2026, 11, 3, 11)


def test_g3_a11_a_working_hours_due_time_in_a_year_without_official_schedule_is_provisional():
    t = ticket(reported=at(2026, 12, 31, 17, 30))
    response = one(A111, [t], now=t.reported_at, policy=WORKING)
    assert response.provisional and response.due_at == at(2027, 1, 4, 10, 30)  # the statute: 01-01 off
    assert not one(A111, [t], now=t.reported_at).provisional  # calendar hours need no calendar
    assert one(A112, [t], now=t.reported_at, policy=WORKING).provisional


# --- A11.3 care sessions --------------------------------------------------------------------------------

def test_a11_3_a_care_session_per_year_for_every_key_account_owned_by_after_sales():
    facts = period_facts(A113, [account(1, "core"), account(2, "ordinary")], since=at(2026, 1, 1),
                         now=at(2026, 11, 26), rows={2: [at(2026, 4, 1, 10)]})
    obs = run(A113, facts, now=at(2026, 11, 26))
    assert {(o.customer_id, o.period_key) for o in obs} == {(1, "2026"), (2, "2026")}
    core, ordinary = by_period(obs, 1)["2026"], by_period(obs, 2)["2026"]
    assert core.state == DUE_SOON and ordinary.state == MET  # 36 of 365 days left: less than a quarter
    assert (core.owner_id, core.owner_role, core.queue, core.escalation_role) == (
        None, "after_sales", "after_sales", "head_of_sales")
    assert core.label == "华美酒店 · 保养指导/使用培训" and core.due_at == at(2027, 1, 1)


def test_a11_3_g1_a_half_yearly_cadence_from_the_version_in_force_at_the_period_start():
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 7, 1), values({"service.care.count": 2, "service.care.period": "half_year"})))
    facts = period_facts(A113, [account(tier="ordinary")], since=at(2026, 1, 1), now=at(2026, 11, 26),
                         policy=policy, rows={1: [at(2026, 8, 1)]})
    obs = by_period(run(A113, facts, now=at(2026, 11, 26), policy=policy))
    assert set(obs) == {"2026", "2026-H2"}  # the year began under version 1, the half-year under version 2
    assert obs["2026-H2"].required == 2 and obs["2026-H2"].done == 1 and obs["2026-H2"].state == DUE_SOON
    assert obs["2026"].required == 1 and obs["2026"].state == MET
