"""The rule kit's decision part without a database: G.4 clock states, key-account spans (A12.2 mid-period
designations and tier changes), the periods a `PeriodRule` judges (G.1, G.2), properties every cadence
rule (A12.1, A12.2, A8.1, A11.3) must keep, purity of every rule's `evaluate`, and G.3 working against
calendar hours for the hour clocks (A11.1, A11.2, A15.1). No test here has the `db` fixture: pytest-django refuses any
query, so each one also proves that `evaluate` is pure."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kam.care.clocks import AccountFacts, OccasionLoad
from kam.care.contract_clocks import CommitmentFacts, CommitmentLoad, ContractFacts, ContractLoad
from kam.care.occasions import Birthday
from kam.demands.clocks import RequestFacts, RequestLoad
from kam.engagement.clocks import ConfirmFacts, VisitFacts
from kam.obligations.engine import (
    BREACHED,
    DUE_SOON,
    ERROR,
    MET,
    MET_LATE,
    REGISTRY,
    UPCOMING,
    ClockRule,
    Obligation,
    clock_state,
    concerns,
)
from kam.obligations.kit import CadenceRule, PeriodFacts, PeriodRule
from kam.obligations.periods import period_of
from kam.qualification.clocks import ReviewLoad
from kam.service.clocks import TicketFacts, TicketLoad
from tests.obligations.pure import (
    CAL,
    DEFAULTS,
    PROPERTY,
    SH,
    STATE_ORDER,
    account,
    at,
    by_period,
    instants_2026,
    is_met,
    one_version,
    period_facts,
    run,
    timeline,
    values,
)

# --- every registered rule has database-free tests ---------------------------------------------------

#: facts with nothing to judge, per rule; a rule registered without an entry here fails the test below
EMPTY_FACTS = {
    "A5.1": lambda: None,
    "A6.2": lambda: PeriodFacts(accounts={}, periods=[], counts={}),
    "A8.1": lambda: PeriodFacts(accounts={}, periods=[], counts={}),
    "A11.1": lambda: TicketLoad(tickets=[], calendar=CAL),
    "A11.2": lambda: TicketLoad(tickets=[], calendar=CAL),
    "A11.3": lambda: PeriodFacts(accounts={}, periods=[], counts={}),
    "A12.1": lambda: PeriodFacts(accounts={}, periods=[], counts={}),
    "A12.2": lambda: PeriodFacts(accounts={}, periods=[], counts={}),
    "A13.1": lambda: ConfirmFacts(visits=[], calendar=CAL),
    "A13.2": lambda: [],
    "A14.1": lambda: OccasionLoad(first=dt.date(2026, 10, 1), accounts=[]),
    "A15.1": lambda: RequestLoad(requests=[], calendar=CAL),
    "A18.1": lambda: CommitmentLoad(approval_days=2, calendar=CAL),
    "A18.2": lambda: ContractLoad(remind_days=60),
}

CADENCE_RULES = sorted(rid for rid, rule in REGISTRY.items() if isinstance(rule, CadenceRule))


def test_every_registered_clock_rule_splits_load_from_a_pure_evaluate():
    """Issue 10: each rule is `load` (queries) + `evaluate` (pure); each has database-free tests (this suite
    lists them: a new rule needs an entry in EMPTY_FACTS and tests of its own)."""
    assert set(REGISTRY) == set(EMPTY_FACTS)
    for rule_id, rule in REGISTRY.items():
        assert rule.id == rule_id and rule.title
        assert type(rule).load is not ClockRule.load, rule_id
        assert type(rule).evaluate is not ClockRule.evaluate, rule_id
        assert rule.evaluate(EMPTY_FACTS[rule_id](), timeline=DEFAULTS, now=at(2026, 11, 26, 10)) == []


def test_cadence_rules_are_the_period_clocks_of_a8_a11_a12():
    assert CADENCE_RULES == ["A11.3", "A12.1", "A12.2", "A8.1"]
    assert isinstance(REGISTRY["A6.2"], PeriodRule) and not isinstance(REGISTRY["A6.2"], CadenceRule)
    # G.5: period clocks escalate in the digest, hour clocks at once
    assert {rid for rid, r in REGISTRY.items() if r.escalation == "immediate"} == {"A11.1", "A11.2", "A15.1",
                                                                                  "A18.1"}


# --- G.4 clock states ----------------------------------------------------------------------------------

START, DUE = at(2026, 11, 23), at(2026, 11, 30)  # one week: 168 h, a quarter is 42 h


@pytest.mark.parametrize("now,met_at,state", [
    (at(2026, 11, 24), None, UPCOMING),
    (at(2026, 11, 28, 6), None, UPCOMING),  # exactly 42 h left: not yet "less than a quarter"
    (at(2026, 11, 28, 6, 0, 1), None, DUE_SOON),
    (DUE - dt.timedelta(microseconds=1), None, DUE_SOON),
    (DUE, None, BREACHED),  # the due instant itself is late
    (at(2027, 1, 1), None, BREACHED),
    (at(2026, 11, 24), at(2026, 11, 24), MET),
    (at(2027, 1, 1), DUE, MET),  # met at the due instant is on time
    (at(2027, 1, 1), DUE + dt.timedelta(seconds=1), MET_LATE),
])
def test_g4_clock_state(now, met_at, state):
    assert clock_state(window_start=START, due_at=DUE, now=now, met_at=met_at, due_soon_fraction=Decimal("0.25")) \
        == state


def test_g4_due_soon_fraction_is_the_setting_and_remind_at_overrides_it():
    now = at(2026, 11, 26, 13)  # 83 h of 168 left: just under half
    assert clock_state(window_start=START, due_at=DUE, now=now, met_at=None,
                       due_soon_fraction=Decimal("0.25")) == UPCOMING
    assert clock_state(window_start=START, due_at=DUE, now=now, met_at=None,
                       due_soon_fraction=Decimal("0.50")) == DUE_SOON
    # with a reminder instant (A13.1) the fraction does not matter
    assert clock_state(window_start=START, due_at=DUE, now=at(2026, 11, 29, 23), met_at=None,
                       due_soon_fraction=Decimal("0.25"), remind_at=at(2026, 11, 29, 23, 30)) == UPCOMING
    assert clock_state(window_start=START, due_at=DUE, now=at(2026, 11, 24), met_at=None,
                       due_soon_fraction=Decimal("0.25"), remind_at=at(2026, 11, 24)) == DUE_SOON


def test_g4_an_empty_window_is_never_due_soon_before_it_is_due():
    assert clock_state(window_start=DUE, due_at=DUE, now=DUE - dt.timedelta(hours=1), met_at=None,
                       due_soon_fraction=Decimal("0.25")) == UPCOMING


@PROPERTY
@given(now_a=instants_2026, now_b=instants_2026, fraction=st.sampled_from(["0.10", "0.25", "0.50", "1"]),
       remind=st.booleans())
def test_g4_state_is_monotone_in_now_until_met(now_a, now_b, fraction, remind):
    early, late = sorted((now_a, now_b))
    window_start, due = at(2026, 6, 1), at(2026, 9, 1)
    kw = dict(window_start=window_start, due_at=due, met_at=None, due_soon_fraction=Decimal(fraction),
              remind_at=at(2026, 8, 1) if remind else None)
    assert STATE_ORDER[clock_state(now=early, **kw)] <= STATE_ORDER[clock_state(now=late, **kw)]


@PROPERTY
@given(now=instants_2026, met_at=instants_2026)
def test_g4_a_met_clock_stays_met_whatever_now(now, met_at):
    state = clock_state(window_start=at(2026, 6, 1), due_at=at(2026, 9, 1), now=now, met_at=met_at,
                        due_soon_fraction=Decimal("0.25"))
    assert state == (MET if met_at <= at(2026, 9, 1) else MET_LATE)


# --- who an obligation concerns (G.5) --------------------------------------------------------------------

def _obligation(state: str = UPCOMING, **kw) -> Obligation:
    return Obligation(rule="A12.1", subject_type="customer", subject_id=1, customer_id=1, period_key="2026-W48",
                      window_start=START, due_at=DUE, state=state, **kw)


def test_g5_concerns_the_owner_the_watcher_or_the_owning_role_only_when_nobody_owns_it():
    mine = _obligation(owner_id=7)
    assert concerns(mine, 7, ()) and not concerns(mine, 8, ("head_of_sales",))
    watched = _obligation(owner_id=9, watcher_id=7)
    assert concerns(watched, 7, ()) and watched.watchers == (7,)
    role = _obligation(owner_role="after_sales")
    assert concerns(role, 8, ("after_sales",)) and not concerns(role, 8, ("marketing",))
    # a person owns it: the role no longer does
    assert not concerns(_obligation(owner_id=9, owner_role="after_sales"), 8, ("after_sales",))
    assert _obligation().watchers == ()


def test_obligation_key_and_open_states():
    o = _obligation()
    assert o.key == ("A12.1", "customer", 1, "2026-W48")
    assert o.open and _obligation(state=BREACHED).open
    assert not _obligation(state=MET).open and not _obligation(state=MET_LATE).open


# --- key-account spans (A12.2) ---------------------------------------------------------------------------

def test_a122_an_account_is_obligated_for_periods_it_is_key_from_start_to_end():
    nov, dec = period_of("month", at(2026, 11, 5)), period_of("month", at(2026, 12, 5))
    mid = account(since=at(2026, 11, 10))
    assert not mid.obligated(nov, now=at(2026, 11, 26))  # designated mid-period: the next full period
    assert mid.obligated(dec, now=at(2026, 12, 5))
    at_start = account(since=at(2026, 11, 1))
    assert at_start.obligated(nov, now=at(2026, 11, 26))
    ended = account(since=at(2026, 1, 1), until=at(2026, 11, 20))
    assert not ended.obligated(nov, now=at(2026, 11, 26))  # left the list before the period ended
    assert ended.obligated(nov, now=at(2026, 11, 19))  # … but was still key at `now`
    assert account(since=at(2026, 1, 1), until=at(2026, 12, 1)).obligated(nov, now=at(2026, 12, 5))


def test_a122_a_second_designation_starts_over_with_the_next_full_period():
    a = account(since=at(2026, 1, 1), until=at(2026, 3, 15))
    a.spans.append((at(2026, 3, 20), None))
    march, april = period_of("month", at(2026, 3, 1)), period_of("month", at(2026, 4, 1))
    assert not a.obligated(march, now=at(2026, 4, 10))
    assert a.obligated(april, now=at(2026, 4, 10))


def test_a122_tier_at_an_instant_is_the_last_change_at_or_before_it():
    a = account(tier="ordinary", since=at(2026, 1, 1), tier_changes=[(at(2026, 11, 10), "core")])
    assert a.tier_at(at(2025, 12, 31)) is None
    assert a.tier_at(at(2026, 1, 1)) == "ordinary"
    assert a.tier_at(at(2026, 11, 9, 23, 59)) == "ordinary"
    assert a.tier_at(at(2026, 11, 10)) == "core"


# --- the periods a PeriodRule judges (G.1, G.2) ------------------------------------------------------------

def test_g2_a121_judges_weeks_and_fortnights_overlapping_since_to_now():
    rule = REGISTRY["A12.1"]
    periods = rule.periods(DEFAULTS, at(2026, 11, 1), at(2026, 11, 26, 10))
    keys = [p.key for p in periods]
    assert keys == ["2026-F22", "2026-F23", "2026-F24", "2026-W44", "2026-W45", "2026-W46", "2026-W47",
                    "2026-W48"]
    assert all(p.end > at(2026, 11, 1) and p.start <= at(2026, 11, 26, 10) for p in periods)


def test_g1_a_rule_judges_every_period_kind_any_published_version_uses():
    rule = REGISTRY["A12.2"]
    policy = timeline((at(2026, 1, 1), values()),
                      (at(2026, 12, 1), values({"cadence.ordinary.visit": {"count": 1, "period": "half_year"}})))
    kinds = {p.kind for p in rule.periods(policy, at(2026, 11, 1), at(2026, 12, 5))}
    assert kinds == {"month", "quarter", "half_year"}


# --- properties of every cadence rule (A12.1, A12.2, A8.1, A11.3) -------------------------------------------

def _tier_of(rule_id: str, core: bool) -> str:
    return "core" if core or rule_id == "A8.1" else "ordinary"


@PROPERTY
@given(rule_id=st.sampled_from(CADENCE_RULES), core=st.booleans(), contact=instants_2026, later=st.integers(0, 400))
def test_cadence_a_row_inside_a_period_always_meets_it_with_count_1(rule_id, core, contact, later):
    """A12.1 / A12.2 / A8.1 / A11.3 at count 1: the period holding the row is met at that row, whatever now."""
    rule = REGISTRY[rule_id]
    now = contact + dt.timedelta(days=later)
    facts = period_facts(rule, [account(tier=_tier_of(rule_id, core), since=at(2025, 1, 1))],
                         since=contact, now=now, rows={1: [contact]})
    obs = [o for o in run(rule, facts, now=now) if o.window_start <= contact < o.due_at]
    assert len(obs) == 1
    assert obs[0].state == MET and obs[0].met_at == contact and obs[0].done == obs[0].required == 1


@PROPERTY
@given(rule_id=st.sampled_from(CADENCE_RULES), core=st.booleans(), count=st.integers(1, 4),
       rows=st.lists(instants_2026, min_size=0, max_size=8), now=instants_2026)
def test_cadence_n_rows_at_least_count_is_met_never_breached(rule_id, core, count, rows, now):
    """Under any count per period: a period with ≥ count rows is met (a row inside the period is never late),
    one with fewer is open or breached, and `done` is the number of rows in it."""
    rule = REGISTRY[rule_id]
    tier = _tier_of(rule_id, core)
    setting = {"A12.1": f"cadence.{tier}.remote", "A12.2": f"cadence.{tier}.visit"}.get(rule_id)
    if setting:
        overrides = {setting: {"count": count, "period": values()[setting]["period"]}}
    elif rule_id == "A8.1":
        overrides = {"cadence.decision_maker.count": count}
    else:
        overrides = {"service.care.count": count}
    policy = one_version(overrides)
    facts = period_facts(rule, [account(tier=tier, since=at(2025, 1, 1))], since=at(2026, 1, 1), now=now,
                         policy=policy, rows={1: rows})
    for o in run(rule, facts, now=now, policy=policy):
        n = sum(1 for r in rows if o.window_start <= r < o.due_at)
        assert o.required == count and o.done == n
        if n >= count:
            assert o.state == MET  # rows counted in a period are inside it: never met late
        else:
            assert not is_met(o.state)
            assert (o.state == BREACHED) == (now >= o.due_at)


@PROPERTY
@given(rule_id=st.sampled_from(CADENCE_RULES), core=st.booleans(), rows=st.lists(instants_2026, max_size=4),
       now_a=instants_2026, now_b=instants_2026)
def test_cadence_state_is_monotone_in_now_until_met(rule_id, core, rows, now_a, now_b):
    """The same facts judged later never go back: upcoming → due soon → breached; a met period stays met."""
    early, late = sorted((now_a, now_b))
    assume(early < late)
    rule = REGISTRY[rule_id]
    acc = account(tier=_tier_of(rule_id, core), since=at(2025, 1, 1))
    facts = period_facts(rule, [acc], since=at(2026, 1, 1), now=late, rows={1: rows})
    before = by_period(run(rule, facts, now=early))
    after = by_period(run(rule, facts, now=late))
    for key, o in before.items():
        assert key in after  # an account still key does not lose a period
        if o.state == MET:
            assert after[key].state == MET
        else:
            assert STATE_ORDER[o.state] <= STATE_ORDER[after[key].state]


@PROPERTY
@given(rule_id=st.sampled_from(CADENCE_RULES), core=st.booleans(), now=instants_2026)
def test_cadence_obligations_cover_whole_periods_of_the_tier_cadence(rule_id, core, now):
    """G.2: each obligation is one whole calendar period of the cadence's kind, its key that period's key."""
    rule = REGISTRY[rule_id]
    tier = _tier_of(rule_id, core)
    facts = period_facts(rule, [account(tier=tier, since=at(2025, 1, 1))], since=at(2026, 1, 1), now=now)
    obs = run(rule, facts, now=now)
    assert obs, "an account key all along has periods to judge"
    kind = rule.cadence(DEFAULTS.latest(), tier).period
    for o in obs:
        p = period_of(kind, o.window_start)
        assert (p.start, p.end, p.key) == (o.window_start, o.due_at, o.period_key)
        assert o.window_start <= now and o.due_at > at(2026, 1, 1)
        assert o.customer_id == o.subject_id == 1 and o.subject_type == "customer" and o.url == "/customers/1/"
    assert len({o.period_key for o in obs}) == len(obs)


# --- purity: same inputs, same answer, facts untouched ---------------------------------------------------

def _sample_facts() -> dict:
    v = VisitFacts(1, 1, "华美酒店", 7, at(2026, 11, 20, 10), at(2026, 11, 20, 12), at(2026, 11, 10, 9), None, None)
    t = TicketFacts(1, "GS-0001", 1, "华美酒店", 7, None, at(2026, 11, 2, 9), None, None, True, "佛山",
                    ((at(2026, 11, 2, 10), at(2026, 11, 2, 11)),))
    r = RequestFacts(1, 1, "华美酒店", 7, "定制", "escalated", at(2026, 11, 20, 9), None, None, None, "")
    accounts = [account(1, "core"), account(2, "ordinary", since=at(2026, 11, 10))]
    rows = {1: [at(2026, 11, 3, 10), at(2026, 11, 24, 10)], 2: [at(2026, 11, 25)]}
    facts = {rid: period_facts(REGISTRY[rid], accounts, since=at(2026, 10, 1), now=NOW, rows=rows)
             for rid in CADENCE_RULES}
    facts["A6.2"] = period_facts(REGISTRY["A6.2"], accounts, since=at(2026, 10, 1), now=NOW,
                                 found={1: {"2026-11": {"basic": at(2026, 11, 3)}}})
    facts.update({"A5.1": ReviewLoad(since=at(2026, 10, 1), reviews={}), "A11.1": TicketLoad([t], CAL),
                  "A11.2": TicketLoad([t], CAL), "A13.1": ConfirmFacts(visits=[v], calendar=CAL), "A13.2": [v],
                  "A15.1": RequestLoad([r], CAL),
                  "A14.1": OccasionLoad(first=dt.date(2026, 10, 1), accounts=[AccountFacts(
                      1, "华美酒店", 7, "core", dt.date(2000, 12, 22), (Birthday(5, "林董", "solar", 12, 25),))]),
                  "A18.1": CommitmentLoad(2, CAL, [_commitment(state="approved", decided_at=at(2026, 11, 27, 9),
                                                               due_on=dt.date(2026, 12, 31))]),
                  "A18.2": ContractLoad(60, [ContractFacts(1, "HT-1", 7, "华美酒店", 3, dt.date(2027, 1, 31))],
                                        {7: [(dt.date(2026, 2, 1), dt.date(2027, 1, 31), at(2026, 1, 20))]})})
    return facts


NOW = at(2026, 12, 20, 10)


@pytest.mark.parametrize("rule_id", sorted(EMPTY_FACTS))
def test_evaluate_is_a_function_of_facts_timeline_and_now(rule_id):
    """Every rule: evaluating twice gives the same obligations, and the facts are left as they were."""
    facts = _sample_facts()[rule_id]
    before = copy.deepcopy(facts, memo={id(CAL): CAL})  # the calendar snapshot is immutable: shared, not copied
    rule = REGISTRY[rule_id]
    first = rule.evaluate(facts, timeline=DEFAULTS, now=NOW)
    assert first, "the sample facts give obligations"
    assert rule.evaluate(facts, timeline=DEFAULTS, now=NOW) == first
    assert facts == before
    assert all(o.rule == rule_id and o.window_start <= o.due_at for o in first)
    assert all(o.label and o.url.startswith("/") for o in first)


# --- G.3 working hours against calendar hours (A11.1, A11.2, A15.1) --------------------------------------------

WORKING = one_version({"service.clock_mode": "working", "requests.clock_mode": "working"})
AROUND_THE_CLOCK = one_version({"service.clock_mode": "calendar", "requests.clock_mode": "calendar"})


@PROPERTY
@given(reported=instants_2026, city=st.sampled_from(["佛山", "成都"]),
       pause=st.one_of(st.none(), st.tuples(st.integers(0, 48 * 60), st.integers(1, 24 * 60))))
def test_g3_a_working_hours_due_time_is_never_before_the_calendar_hours_one(reported, city, pause):
    """Working hours are a subset of calendar hours: the working-hours clock never falls due earlier, falls due
    inside the working day, and is provisional exactly when it runs into a year without an official schedule."""
    pauses = ()
    if pause is not None:
        start = reported + dt.timedelta(minutes=pause[0])
        pauses = ((start, start + dt.timedelta(minutes=pause[1])),)
    t = TicketFacts(1, "GS-0001", 1, "华美酒店", 7, None, reported, None, None, True, city, pauses)
    r = RequestFacts(1, 1, "华美酒店", 7, "定制", "open", reported, None, None, None, "")
    for rule_id, facts in (("A11.1", TicketLoad([t], CAL)), ("A11.2", TicketLoad([t], CAL)),
                           ("A15.1", RequestLoad([r], CAL))):
        rule = REGISTRY[rule_id]
        working = sorted(rule.evaluate(facts, timeline=WORKING, now=reported), key=lambda o: o.period_key)
        calendar = sorted(rule.evaluate(facts, timeline=AROUND_THE_CLOCK, now=reported), key=lambda o: o.period_key)
        assert [o.period_key for o in working] == [o.period_key for o in calendar]
        for w, c in zip(working, calendar, strict=True):
            assert w.due_at >= c.due_at
            assert dt.time(9) <= w.due_at.astimezone(SH).time() <= dt.time(18)
            assert w.provisional == (w.due_at.astimezone(SH).year >= 2027)
            assert not c.provisional


# --- one bad subject never stops a rule (issue 12 §1) ---------------------------------------------------------

def _bad_and_good() -> dict:
    """Per rule: (facts of a bad subject and a good one, facts of the good one alone, the bad subject's id)."""
    ancient = dt.datetime(525, 12, 24, 10, tzinfo=dt.UTC)  # outside the calendar's years
    good_t = TicketFacts(2, "GS-0002", 1, "华美酒店", 7, None, at(2026, 11, 2, 9), None, None, True, "佛山")
    bad_t = dataclasses.replace(good_t, id=1, number="GS-0001", reported_at=ancient)
    good_r = RequestFacts(2, 1, "华美酒店", 7, "定制", "open", at(2026, 11, 2, 9), None, None, None, "")
    bad_r = dataclasses.replace(good_r, id=1, received_at=ancient)
    good_v = VisitFacts(2, 1, "华美酒店", 7, at(2026, 11, 20, 10), at(2026, 11, 20, 12), at(2026, 11, 2, 9), None,
                        None)
    bad_confirm = dataclasses.replace(good_v, id=1, starts_at=ancient, ends_at=ancient)
    bad_record = dataclasses.replace(good_v, id=1, ends_at=dt.datetime(2026, 11, 20, 12))  # naive
    good_a, bad_a = account(2, "core"), account(1, "core")
    bad_a.spans = [(dt.datetime(2026, 1, 1), None)]  # a naive instant: cannot be compared
    periods = REGISTRY["A12.1"].periods(DEFAULTS, at(2026, 11, 1), at(2026, 11, 26))
    return {
        "A11.1": (TicketLoad([bad_t, good_t], CAL), TicketLoad([good_t], CAL)),
        "A11.2": (TicketLoad([bad_t, good_t], CAL), TicketLoad([good_t], CAL)),
        "A15.1": (RequestLoad([bad_r, good_r], CAL), RequestLoad([good_r], CAL)),
        "A13.1": (ConfirmFacts([bad_confirm, good_v], CAL), ConfirmFacts([good_v], CAL)),
        "A13.2": ([bad_record, good_v], [good_v]),
        "A12.1": (PeriodFacts({1: bad_a, 2: good_a}, periods, {}), PeriodFacts({2: good_a}, periods, {})),
    }


@pytest.mark.parametrize("rule_id", ["A11.1", "A11.2", "A12.1", "A13.1", "A13.2", "A15.1"])
def test_a_subject_whose_facts_cannot_be_judged_is_one_error_for_the_administrator(rule_id):
    both, good_only = _bad_and_good()[rule_id]
    rule = REGISTRY[rule_id]
    policy = WORKING  # hour clocks count on the calendar
    now = at(2026, 11, 26, 10)
    obs = rule.evaluate(both, timeline=policy, now=now)
    errors = [o for o in obs if o.state == ERROR]
    assert len(errors) == 1
    e = errors[0]
    assert (e.subject_id, e.period_key, e.owner_role, e.owner_id) == (1, "error", "administrator", None)
    assert e.label.startswith("华美酒店 · ") and "无法判定" in e.label and not e.open
    assert [o for o in obs if o.state != ERROR] == rule.evaluate(good_only, timeline=policy, now=now)
    assert rule.evaluate(good_only, timeline=policy, now=now)  # the good subject is judged as usual


# --- A18.1 commitments, A18.2 contracts ------------------------------------------------------------------

def _commitment(**changes) -> CommitmentFacts:
    data = {"id": 1, "customer_id": 7, "customer_name": "华美酒店", "manager_id": 3, "kind_label": "延长账期",
            "department": "finance", "state": "pending", "requested_at": at(2026, 11, 26, 10), "decided_at": None,
            "due_on": None, "done_at": None}
    data.update(changes)
    return CommitmentFacts(**data)


def _judge_a181(c: CommitmentFacts, now, days: int = 2):
    return {o.period_key: o for o in REGISTRY["A18.1"].evaluate(CommitmentLoad(days, CAL, [c]), timeline=DEFAULTS,
                                                                 now=now)}


def test_a181_approval_window_counts_working_days_and_escalates_to_head():
    """A18.1: registered Thursday 10:00 with 2 working days → due Monday 10:00 (the weekend does not count);
    owned by the department's queue, watched by the account manager, escalated to the head of sales."""
    c = _commitment()
    before = _judge_a181(c, at(2026, 11, 30, 9, 59))["approval"]
    assert before.due_at == at(2026, 11, 30, 10) and before.state == DUE_SOON
    assert (before.owner_role, before.queue, before.watcher_id, before.escalation_role) == (
        "finance", "finance", 3, "head_of_sales")
    assert _judge_a181(c, at(2026, 11, 30, 10))["approval"].state == BREACHED
    assert _judge_a181(c, at(2026, 11, 30, 10), days=3)["approval"].state == DUE_SOON  # the operating setting
    decided = _commitment(state="approved", decided_at=at(2026, 11, 27, 9))
    assert _judge_a181(decided, at(2026, 12, 5))["approval"].state == MET


def test_a181_approved_commitment_is_the_departments_obligation_until_kept():
    approved = _commitment(state="approved", decided_at=at(2026, 11, 27, 9), due_on=dt.date(2026, 12, 10))
    o = _judge_a181(approved, at(2026, 12, 10, 23, 59))["delivery"]
    assert o.state == DUE_SOON and o.owner_role == "finance" and o.watcher_id == 3 and not o.escalation_role
    assert _judge_a181(approved, at(2026, 12, 11, 0, 0, 1))["delivery"].state == BREACHED
    kept = dataclasses.replace(approved, state="done", done_at=at(2026, 12, 9, 15))
    assert _judge_a181(kept, at(2026, 12, 20))["delivery"].state == MET
    assert "delivery" not in _judge_a181(_commitment(state="refused", decided_at=at(2026, 11, 27)), at(2026, 12, 1))


def test_a182_contract_reminder_window_and_renewal():
    """A18.2: due soon from `contracts.expiry_remind_days` days before the end; a contract in force the day
    after meets it; without a manager the head of sales owns it."""
    end = dt.date(2027, 1, 25)
    c = ContractFacts(1, "HT-1", 7, "华美酒店", 3, end)

    def judge(now, spans=(), days=60, contract=c):
        load = ContractLoad(days, [contract], {7: [(dt.date(2026, 1, 26), end, at(2026, 1, 1)), *spans]})
        return REGISTRY["A18.2"].evaluate(load, timeline=DEFAULTS, now=now)[0]

    assert judge(at(2026, 11, 26, 10)).state == DUE_SOON  # 60 days before 2027-01-25
    assert judge(at(2026, 11, 25, 23, 59)).state == UPCOMING
    assert judge(at(2026, 11, 26, 10), days=59).state == UPCOMING
    assert judge(at(2027, 1, 26)).state == BREACHED
    renewal = (dt.date(2027, 1, 26), None, at(2026, 12, 20, 10))
    assert judge(at(2027, 2, 1), spans=[renewal]).state == MET
    gap = (dt.date(2027, 2, 1), None, at(2026, 12, 20, 10))  # a week without a contract: no renewal
    assert judge(at(2027, 2, 1), spans=[gap]).state == BREACHED
    orphan = judge(at(2026, 11, 26, 10), contract=dataclasses.replace(c, manager_id=None))
    assert orphan.owner_id is None and orphan.owner_role == "head_of_sales"
