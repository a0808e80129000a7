"""Engagement clocks without a database: A12.1 remote contact and A12.2 visit cadences, A8.1 decision-maker
contact, A13.1 appointment confirmation, A13.2 visit record. Facts are built by hand and `evaluate` is called
directly; no test has the `db` fixture (pytest-django refuses any query: the decision part is pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.calendar.workdays import WorkCalendar
from kam.engagement.clocks import ConfirmFacts, VisitFacts, working_days_before
from kam.obligations.engine import BREACHED, DUE_SOON, MET, MET_LATE, REGISTRY, UPCOMING
from kam.obligations.periods import period_of
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

A121, A122, A81, A131, A132 = (REGISTRY[r] for r in ("A12.1", "A12.2", "A8.1", "A13.1", "A13.2"))
UTC = dt.UTC


def judge(rule, accounts, *, now, since=at(2026, 10, 1), policy=DEFAULTS, rows=None):
    facts = period_facts(rule, accounts, since=since, now=now, policy=policy, rows=rows)
    return run(rule, facts, now=now, policy=policy)


# --- A12.1 remote contact -----------------------------------------------------------------------------------

def test_a12_1_core_weekly_sunday_2330_counts_for_that_week_monday_0010_for_the_next():
    sunday_late = dt.datetime(2026, 11, 15, 15, 30, tzinfo=UTC)  # Sunday 23:30 Shanghai (W46)
    monday_early = dt.datetime(2026, 11, 15, 16, 10, tzinfo=UTC)  # Monday 00:10 Shanghai (W47)
    obs = by_period(judge(A121, [account(tier="core")], now=at(2026, 11, 26, 10),
                          rows={1: [sunday_late, monday_early]}))
    assert obs["2026-W46"].state == MET and obs["2026-W46"].met_at == sunday_late
    assert obs["2026-W47"].state == MET and obs["2026-W47"].met_at == monday_early
    assert obs["2026-W45"].state == BREACHED and obs["2026-W45"].done == 0
    assert obs["2026-W48"].state == UPCOMING  # Thursday: more than a quarter of the week left
    assert not any(k.startswith("2026-F") for k in obs)  # a core account is judged by the week only


@pytest.mark.parametrize("now,state", [
    (at(2026, 11, 28, 5, 59), UPCOMING),
    (at(2026, 11, 28, 6), UPCOMING),  # 42 h of 168 left: exactly a quarter
    (at(2026, 11, 28, 6, 1), DUE_SOON),
    (at(2026, 11, 29, 23, 59), DUE_SOON),
    (at(2026, 11, 30), BREACHED),
])
def test_a12_1_g4_due_soon_in_the_last_quarter_of_the_week(now, state):
    assert by_period(judge(A121, [account(tier="core")], now=now))["2026-W48"].state == state


def test_a12_1_g4_due_soon_fraction_of_the_version_in_force_at_the_period_start():
    """A version with due soon at half the window, effective Wednesday 11-25: the week begun 11-23 keeps the
    quarter; the next week turns due soon from its Thursday noon."""
    policy = timeline((at(2020, 1, 1), values()), (at(2026, 11, 25), values({"alerts.due_soon_fraction": "0.5"})))
    acc = [account(tier="core")]
    assert by_period(judge(A121, acc, now=at(2026, 11, 27, 12, 1), policy=policy))["2026-W48"].state == UPCOMING
    assert by_period(judge(A121, acc, now=at(2026, 12, 3, 12), policy=policy))["2026-W49"].state == UPCOMING
    assert by_period(judge(A121, acc, now=at(2026, 12, 3, 12, 1), policy=policy))["2026-W49"].state == DUE_SOON


def test_a12_1_owner_label_and_escalation_of_a_core_account():
    o = by_period(judge(A121, [account(tier="core", manager_id=42, name="华美酒店")], now=at(2026, 11, 26)))[
        "2026-W48"]
    assert (o.rule, o.owner_id, o.owner_role, o.escalation_role, o.queue) == ("A12.1", 42, "", "head_of_sales", "")
    assert o.watcher_id is None and o.required == 1 and o.done == 0 and o.met_at is None
    assert o.label == "华美酒店 · 核心大客户远程沟通" and o.customer_name == "华美酒店"
    assert o.window_start == at(2026, 11, 23) and o.due_at == at(2026, 11, 30)


def test_a12_1_ordinary_fortnightly_with_its_own_label():
    obs = by_period(judge(A121, [account(tier="ordinary")], now=at(2026, 11, 26, 10),
                          rows={1: [at(2026, 11, 17, 10)]}))
    assert set(obs) == {"2026-F20", "2026-F21", "2026-F22", "2026-F23", "2026-F24"}
    f24 = obs["2026-F24"]  # ISO weeks 47–48
    assert (f24.window_start, f24.due_at) == (at(2026, 11, 16), at(2026, 11, 30))
    assert f24.state == MET and f24.label.endswith("普通大客户远程沟通")
    assert obs["2026-F23"].state == BREACHED


def test_a12_1_the_53rd_iso_week_closes_the_year_s_last_fortnight_alone():
    """G.2: 2026 has 53 ISO weeks; week 53 (12-28 … 01-03) is fortnight F27, one week long."""
    acc = account(tier="ordinary")
    obs = by_period(judge(A121, [acc], since=at(2026, 12, 1), now=at(2027, 1, 1, 12)))
    f27 = obs["2026-F27"]
    assert (f27.window_start, f27.due_at) == (at(2026, 12, 28), at(2027, 1, 4))
    assert f27.state == UPCOMING and obs["2026-F26"].state == BREACHED
    # a quarter of 7 days is 42 h: due soon from Saturday 06:00
    assert by_period(judge(A121, [acc], since=at(2026, 12, 1), now=at(2027, 1, 2, 6, 1)))["2026-F27"].state \
        == DUE_SOON
    obs = by_period(judge(A121, [acc], since=at(2026, 12, 1), now=at(2027, 1, 5),
                          rows={1: [at(2027, 1, 3, 23, 59)]}))
    assert obs["2026-F27"].state == MET and obs["2027-F01"].window_start == at(2027, 1, 4)


def test_a12_1_tier_change_applies_from_the_next_period():
    """Ordinary → core on Wednesday 11-18: the fortnight begun 11-16 stays ordinary, the core week starts 11-23."""
    acc = account(tier="ordinary", since=at(2026, 1, 1), tier_changes=[(at(2026, 11, 18, 15), "core")])
    obs = by_period(judge(A121, [acc], now=at(2026, 11, 26, 10)))
    assert "2026-W47" not in obs  # that week started ordinary
    assert obs["2026-W48"].label.endswith("核心大客户远程沟通")
    assert obs["2026-F24"].label.endswith("普通大客户远程沟通")  # the fortnight started ordinary
    assert "2026-F25" not in by_period(judge(A121, [acc], now=at(2026, 12, 2)))


def test_a12_1_downgrade_core_to_ordinary_applies_from_the_next_fortnight():
    acc = account(tier="core", since=at(2026, 1, 1), tier_changes=[(at(2026, 11, 25), "ordinary")])
    obs = by_period(judge(A121, [acc], now=at(2026, 12, 16)))
    assert {"2026-W48"} <= set(obs) and "2026-W49" not in obs
    assert "2026-F24" not in obs  # began 11-16 as core
    assert obs["2026-F25"].window_start == at(2026, 11, 30)


def test_a12_1_designated_mid_period_starts_with_the_next_full_period():
    acc = account(tier="core", since=at(2026, 11, 25, 14))
    obs = by_period(judge(A121, [acc], now=at(2026, 12, 3)))
    assert set(obs) == {"2026-W49"}


def test_a12_1_an_account_that_left_the_list_mid_period_has_no_clock_for_it():
    acc = account(tier="core", since=at(2026, 1, 1), until=at(2026, 11, 25, 9))
    obs = by_period(judge(A121, [acc], now=at(2026, 11, 26)))
    assert "2026-W48" not in obs and "2026-W47" in obs


def test_a12_1_g1_each_week_is_judged_under_the_version_in_force_at_its_start():
    """A version of 2 contacts a week, effective Wednesday 12-02 12:00: the week begun 11-30 keeps 1."""
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 12, 2, 12), values({"cadence.core.remote": {"count": 2, "period": "week"}})))
    obs = by_period(judge(A121, [account(tier="core")], now=at(2026, 12, 10, 10), policy=policy,
                          rows={1: [at(2026, 11, 30, 10), at(2026, 12, 8, 10)]}))
    assert obs["2026-W49"].required == 1 and obs["2026-W49"].state == MET
    assert obs["2026-W50"].required == 2 and obs["2026-W50"].done == 1 and obs["2026-W50"].state == UPCOMING
    assert obs["2026-W50"].met_at is None


def test_a12_1_g1_a_change_of_period_kind_starts_with_the_first_period_of_the_new_kind():
    """Ordinary accounts move from a fortnight to a month on 12-01: the fortnight begun 11-30 is still judged,
    December is judged as a month, the fortnight begun 12-14 is not."""
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 12, 1), values({"cadence.ordinary.remote": {"count": 1, "period": "month"}})))
    obs = by_period(judge(A121, [account(tier="ordinary")], now=at(2026, 12, 20), policy=policy))
    assert {"2026-F25", "2026-12"} <= set(obs)
    assert "2026-F26" not in obs and "2026-11" not in obs
    assert obs["2026-12"].due_at == at(2027, 1, 1)


def test_a12_1_several_accounts_each_judged_on_their_own_rows():
    accounts = [account(1, "core", manager_id=7), account(2, "core", manager_id=8), account(3, "ordinary")]
    obs = judge(A121, accounts, now=at(2026, 11, 26, 10), rows={2: [at(2026, 11, 24)]})
    w48 = {o.customer_id: o for o in obs if o.period_key == "2026-W48"}
    assert set(w48) == {1, 2}
    assert w48[1].state == UPCOMING and w48[1].owner_id == 7
    assert w48[2].state == MET and w48[2].owner_id == 8
    assert {o.period_key for o in obs if o.customer_id == 3} == {"2026-F20", "2026-F21", "2026-F22", "2026-F23",
                                                                  "2026-F24"}


def test_a12_1_not_a_key_account_at_the_period_start_no_clock():
    acc = account(tier="core", since=at(2026, 1, 1))
    acc.tier_times, acc.tier_values = [at(2026, 12, 1)], ["core"]  # a span without a tier before December
    obs = by_period(judge(A121, [acc], now=at(2026, 12, 10)))
    assert set(obs) == {"2026-W50"}  # the week begun 11-30 had no tier at its start


# --- A12.2 visit cadence ------------------------------------------------------------------------------------

def test_a12_2_core_monthly_ordinary_quarterly():
    obs = judge(A122, [account(1, "core"), account(2, "ordinary")], since=at(2026, 9, 1), now=at(2026, 11, 26, 10),
                rows={1: [at(2026, 9, 30, 23, 59)], 2: [at(2026, 10, 1, 0, 0)]})
    core, ordinary = by_period(obs, 1), by_period(obs, 2)
    assert set(core) == {"2026-09", "2026-10", "2026-11"} and set(ordinary) == {"2026-Q3", "2026-Q4"}
    assert core["2026-09"].state == MET and core["2026-10"].state == BREACHED
    assert core["2026-11"].state == DUE_SOON  # 26 Nov 10:00: less than a quarter of November left
    assert ordinary["2026-Q3"].state == BREACHED and ordinary["2026-Q4"].state == MET
    assert core["2026-11"].label.endswith("核心大客户拜访") and ordinary["2026-Q4"].label.endswith("普通大客户拜访")


def test_a12_2_tier_change_applies_from_the_next_period():
    acc = account(tier="ordinary", since=at(2026, 1, 1), tier_changes=[(at(2026, 11, 10), "core")])
    obs = by_period(judge(A122, [acc], now=at(2026, 11, 26, 10)))
    assert "2026-11" not in obs and "2026-Q4" in obs  # November started as ordinary: judged by the quarter
    obs = by_period(judge(A122, [acc], now=at(2026, 12, 5, 10)))
    assert obs["2026-12"].required == 1 and obs["2026-12"].state == UPCOMING


def test_a12_2_designated_mid_quarter_starts_with_the_next_quarter():
    acc = account(tier="ordinary", since=at(2026, 11, 10))
    assert judge(A122, [acc], now=at(2026, 12, 31)) == []
    assert set(by_period(judge(A122, [acc], now=at(2027, 1, 2)))) == {"2027-Q1"}


@pytest.mark.parametrize("core_period,ordinary_period,core_key,ordinary_key,ordinary_due", [
    ("half_year", "year", "2026-H2", "2026", at(2027, 1, 1)),
    ("week", "half_year", "2026-W48", "2026-H2", at(2027, 1, 1)),
    ("fortnight", "month", "2026-F24", "2026-11", at(2026, 12, 1)),
])
def test_a12_2_every_period_kind_a_version_can_choose(core_period, ordinary_period, core_key, ordinary_key,
                                                      ordinary_due):
    policy = one_version({"cadence.core.visit": {"count": 1, "period": core_period},
                          "cadence.ordinary.visit": {"count": 1, "period": ordinary_period}})
    obs = judge(A122, [account(1, "core"), account(2, "ordinary")], since=at(2026, 11, 20), now=at(2026, 11, 26),
                policy=policy)
    assert core_key in by_period(obs, 1)
    assert by_period(obs, 2)[ordinary_key].due_at == ordinary_due
    for o in obs:  # each account judged by its tier's kind only
        kind = core_period if o.customer_id == 1 else ordinary_period
        assert period_of(kind, o.window_start).key == o.period_key


def test_a12_2_two_visits_a_month_met_at_the_last_counted_visit():
    policy = one_version({"cadence.core.visit": {"count": 2, "period": "month"}})
    visits = [at(2026, 11, 3, 10), at(2026, 11, 12, 15), at(2026, 11, 20, 9)]
    o = by_period(judge(A122, [account(tier="core")], since=at(2026, 11, 1), now=at(2026, 11, 26), policy=policy,
                        rows={1: visits}))["2026-11"]
    assert (o.required, o.done, o.state, o.met_at) == (2, 3, MET, at(2026, 11, 20, 9))
    o = by_period(judge(A122, [account(tier="core")], since=at(2026, 11, 1), now=at(2026, 11, 26), policy=policy,
                        rows={1: visits[:1]}))["2026-11"]
    assert (o.required, o.done, o.state, o.met_at) == (2, 1, DUE_SOON, None)


# --- A8.1 decision-maker contact --------------------------------------------------------------------------------

def test_a8_1_head_of_sales_owns_a_quarterly_clock_for_core_accounts_only():
    obs = judge(A81, [account(1, "core"), account(2, "ordinary")], now=at(2026, 11, 26))
    assert {o.customer_id for o in obs} == {1}
    q4 = by_period(obs)["2026-Q4"]
    assert q4.state == UPCOMING and q4.owner_id is None and q4.owner_role == "head_of_sales"
    assert q4.escalation_role == "management" and q4.label.endswith("销售部负责人与决策层沟通")
    assert (q4.window_start, q4.due_at) == (at(2026, 10, 1), at(2027, 1, 1))
    met = by_period(judge(A81, [account(1, "core")], now=at(2026, 11, 26), rows={1: [at(2026, 11, 20, 10)]}))
    assert met["2026-Q4"].state == MET


def test_a8_1_an_account_upgraded_to_core_mid_quarter_is_judged_from_the_next_quarter():
    acc = account(tier="ordinary", since=at(2026, 1, 1), tier_changes=[(at(2026, 11, 2), "core")])
    assert judge(A81, [acc], now=at(2026, 12, 31)) == []
    assert set(by_period(judge(A81, [acc], now=at(2027, 1, 5)))) == {"2027-Q1"}


def test_a8_1_g1_count_and_period_from_the_version_in_force_at_the_period_start():
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2027, 1, 1), values({"cadence.decision_maker.count": 2,
                                               "cadence.decision_maker.period": "month"})))
    obs = by_period(judge(A81, [account(tier="core")], since=at(2026, 12, 1), now=at(2027, 1, 20), policy=policy,
                          rows={1: [at(2027, 1, 8)]}))
    assert obs["2026-Q4"].required == 1 and obs["2026-Q4"].state == BREACHED
    assert obs["2027-01"].required == 2 and obs["2027-01"].done == 1
    assert "2027-Q1" not in obs


# --- A13.2 visit record ----------------------------------------------------------------------------------

def visit(vid=1, *, starts=at(2026, 11, 20, 10), hours=2, booked=at(2026, 11, 10, 9), confirmed=None,
          recorded=None, owner=7, cid=1) -> VisitFacts:
    return VisitFacts(vid, cid, "华美酒店", owner, starts, starts + dt.timedelta(hours=hours), booked, confirmed,
                      recorded)


@pytest.mark.parametrize("now,recorded,state", [
    (at(2026, 11, 20, 13), None, UPCOMING),
    (at(2026, 11, 21, 6), None, UPCOMING),  # exactly 6 h of 24 left
    (at(2026, 11, 21, 6, 1), None, DUE_SOON),
    (at(2026, 11, 21, 12), None, BREACHED),
    (at(2026, 11, 25), at(2026, 11, 21, 11, 59), MET),
    (at(2026, 11, 25), at(2026, 11, 21, 12), MET),
    (at(2026, 11, 25), at(2026, 11, 21, 12, 1), MET_LATE),
])
def test_a13_2_record_within_24_hours_after_the_visit_ends(now, recorded, state):
    [o] = run(A132, [visit(recorded=recorded)], now=now)
    assert o.state == state and o.met_at == recorded
    assert (o.window_start, o.due_at) == (at(2026, 11, 20, 12), at(2026, 11, 21, 12))


def test_a13_2_owner_label_and_subject():
    [o] = run(A132, [visit(vid=5, owner=42)], now=at(2026, 11, 20, 13))
    assert (o.rule, o.subject_type, o.subject_id, o.customer_id) == ("A13.2", "visit", 5, 1)
    assert o.owner_id == 42 and o.escalation_role == "head_of_sales" and o.owner_role == ""
    assert o.url == "/engagement/visits/5/" and o.label == "华美酒店 · 拜访记录（24 小时内）"
    assert o.period_key == str(int(at(2026, 11, 20, 12).timestamp()))


def test_a13_2_a_visit_not_yet_ended_has_no_record_clock():
    assert run(A132, [visit()], now=at(2026, 11, 20, 11, 59)) == []
    assert len(run(A132, [visit()], now=at(2026, 11, 20, 12))) == 1


def test_a13_2_g1_record_hours_of_the_version_in_force_when_the_visit_ended():
    policy = timeline((at(2020, 1, 1), values()), (at(2026, 11, 21), values({"visits.record_hours": 48})))
    early, late = visit(1, starts=at(2026, 11, 20, 10)), visit(2, starts=at(2026, 11, 22, 10))
    obs = {o.subject_id: o for o in run(A132, [early, late], now=at(2026, 11, 25), policy=policy)}
    assert obs[1].due_at == at(2026, 11, 21, 12) and obs[1].label.endswith("（24 小时内）")
    assert obs[2].due_at == at(2026, 11, 24, 12) and obs[2].label.endswith("（48 小时内）")


@PROPERTY
@given(ends=instants_2026, hours=st.sampled_from([1, 12, 24, "36.5", 72]), after=st.integers(0, 200 * 60),
       record_after=st.one_of(st.none(), st.integers(0, 100 * 60)))
def test_a13_2_due_is_ends_plus_record_hours_and_late_only_after_it(ends, hours, after, record_after):
    policy = one_version({"visits.record_hours": hours})
    starts = ends - dt.timedelta(hours=1)
    recorded = None if record_after is None else ends + dt.timedelta(minutes=record_after)
    now = ends + dt.timedelta(minutes=after)
    [o] = run(A132, [visit(starts=starts, hours=1, recorded=recorded)], now=now, policy=policy)
    due = ends + dt.timedelta(hours=float(hours))
    assert o.due_at == due
    if recorded is not None:
        assert o.state == (MET if recorded <= due else MET_LATE)
    else:
        assert o.state in (UPCOMING, DUE_SOON, BREACHED)
        assert (o.state == BREACHED) == (now >= due)


# --- A13.1 appointment confirmation ----------------------------------------------------------------------

def confirm(visits, calendar=CAL) -> ConfirmFacts:
    return ConfirmFacts(visits=list(visits), calendar=calendar)


def test_a13_1_working_days_before_skips_weekends_and_holidays_and_counts_make_up_days():
    assert working_days_before(dt.date(2026, 11, 20), 2, CAL) == dt.date(2026, 11, 18)  # Fri → Wed
    assert working_days_before(dt.date(2026, 11, 23), 2, CAL) == dt.date(2026, 11, 19)  # Mon → Thu
    assert working_days_before(dt.date(2026, 11, 23), 0, CAL) == dt.date(2026, 11, 23)
    # National Day 2026: 10-01 … 10-07 off, Saturday 10-10 worked
    assert working_days_before(dt.date(2026, 10, 9), 2, CAL) == dt.date(2026, 9, 30)
    assert working_days_before(dt.date(2026, 10, 12), 1, CAL) == dt.date(2026, 10, 10)
    # an administrator's single-day row wins over the official schedule
    worked = WorkCalendar.from_rows(days={dt.date(2026, 10, 7): True}, today=dt.date(2026, 6, 1))
    assert working_days_before(dt.date(2026, 10, 9), 2, worked) == dt.date(2026, 10, 7)


@pytest.mark.parametrize("now,confirmed,state", [
    (at(2026, 11, 17, 23, 59), None, UPCOMING),
    (at(2026, 11, 18, 0, 0), None, DUE_SOON),  # two working days before Friday's visit: Wednesday
    (at(2026, 11, 20, 9, 59), None, DUE_SOON),
    (at(2026, 11, 20, 10), None, BREACHED),
    (at(2026, 11, 19), at(2026, 11, 18, 10), MET),
    (at(2026, 11, 25), at(2026, 11, 20, 10, 30), MET_LATE),
])
def test_a13_1_confirmation_reminder_from_two_working_days_before_due_at_the_visit(now, confirmed, state):
    [o] = run(A131, confirm([visit(starts=at(2026, 11, 20, 10), confirmed=confirmed)]), now=now)
    assert o.state == state and o.met_at == confirmed
    assert (o.window_start, o.due_at) == (at(2026, 11, 10, 9), at(2026, 11, 20, 10))
    assert (o.rule, o.subject_type, o.owner_id, o.escalation_role) == ("A13.1", "visit", 7, "head_of_sales")
    assert o.label == "华美酒店 · 确认拜访预约" and o.url == "/engagement/visits/1/"


def test_a13_1_a_visit_booked_inside_the_reminder_window_has_nothing_to_confirm_later():
    v = visit(starts=at(2026, 11, 20, 10), booked=at(2026, 11, 18, 0, 0))
    assert run(A131, confirm([v]), now=at(2026, 11, 18, 9)) == []
    v = visit(starts=at(2026, 11, 20, 10), booked=at(2026, 11, 17, 23, 59))
    assert len(run(A131, confirm([v]), now=at(2026, 11, 18, 9))) == 1


def test_a13_1_the_reminder_skips_the_official_holidays_of_the_calendar_in_the_facts():
    """National Day: a visit on Friday 10-09 gets its reminder on 09-30 (two working days back over the
    holiday); on a calendar whose administrator made 10-07 a working day, on 10-07."""
    v = visit(starts=at(2026, 10, 9, 14), booked=at(2026, 9, 1, 9))
    assert run(A131, confirm([v]), now=at(2026, 9, 29, 23))[0].state == UPCOMING
    assert run(A131, confirm([v]), now=at(2026, 9, 30))[0].state == DUE_SOON
    worked = WorkCalendar.from_rows(days={dt.date(2026, 10, 7): True}, today=dt.date(2026, 6, 1))
    assert run(A131, confirm([v], worked), now=at(2026, 10, 6, 23))[0].state == UPCOMING
    assert run(A131, confirm([v], worked), now=at(2026, 10, 7))[0].state == DUE_SOON
    assert not run(A131, confirm([v]), now=at(2026, 9, 30))[0].provisional


def test_a13_1_a_reminder_counted_on_a_year_without_an_official_schedule_is_provisional():
    """G.3 / A13.1: 2027's holidays are not published yet (the statute stands in): the reminder of a visit in
    January 2027 is marked provisional."""
    v = visit(starts=at(2027, 1, 12, 10), booked=at(2026, 12, 1, 9))
    [o] = run(A131, confirm([v]), now=at(2026, 12, 2))
    assert o.provisional and o.state == UPCOMING


def test_a13_1_g1_reminder_days_of_the_version_in_force_at_booking():
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 11, 12), values({"visits.confirm_working_days_before": 5})))
    before = visit(1, starts=at(2026, 11, 27, 10), booked=at(2026, 11, 11, 9))
    after = visit(2, starts=at(2026, 11, 27, 10), booked=at(2026, 11, 13, 9))
    obs = {o.subject_id: o for o in run(A131, confirm([before, after]), now=at(2026, 11, 23, 12), policy=policy)}
    assert obs[1].state == UPCOMING  # 2 working days: from Wednesday 11-25
    assert obs[2].state == DUE_SOON  # 5 working days: from Friday 11-20


@PROPERTY
@given(starts=instants_2026, lead_days=st.integers(1, 60), now_a=instants_2026, now_b=instants_2026,
       n=st.integers(0, 6))
def test_a13_1_state_is_monotone_in_now_until_confirmed(starts, lead_days, now_a, now_b, n):
    early, late = sorted((now_a, now_b))
    policy = one_version({"visits.confirm_working_days_before": n})
    facts = confirm([visit(starts=starts, booked=starts - dt.timedelta(days=lead_days))])
    first, second = run(A131, facts, now=early, policy=policy), run(A131, facts, now=late, policy=policy)
    assert len(first) == len(second)  # whether there is a clock does not depend on now
    for a, b in zip(first, second, strict=True):
        assert STATE_ORDER[a.state] <= STATE_ORDER[b.state]
        assert a.state != DUE_SOON or b.state in (DUE_SOON, BREACHED)
