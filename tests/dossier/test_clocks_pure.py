"""A6.2 dossier freshness without a database: once per `dossier.update_period` each of the three sections
(basic info, decision process, preferences) is updated or confirmed. Facts are built by hand (per customer and
period: the first stamp of each section) and `evaluate` is called directly; no test has the `db` fixture."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.dossier.models import FRESHNESS_SECTIONS
from kam.obligations.engine import BREACHED, DUE_SOON, MET, REGISTRY, UPCOMING
from kam.obligations.periods import period_of
from tests.obligations.pure import (
    DEFAULTS,
    PROPERTY,
    account,
    at,
    by_period,
    instants_2026,
    period_facts,
    run,
    timeline,
    values,
)

A62 = REGISTRY["A6.2"]
BASIC, DECISION, PREFERENCES = "basic", "decision", "preferences"


def judge(accounts, found, *, now, since=at(2026, 10, 1), policy=DEFAULTS):
    facts = period_facts(A62, accounts, since=since, now=now, policy=policy, found=found)
    return run(A62, facts, now=now, policy=policy)


def test_a6_2_sections_are_basic_decision_and_preferences():
    assert tuple(str(s) for s in FRESHNESS_SECTIONS) == (BASIC, DECISION, PREFERENCES)


def test_a6_2_all_three_sections_in_the_month_meet_it_at_the_last_of_them():
    stamps = {"2026-11": {BASIC: at(2026, 11, 3), DECISION: at(2026, 11, 12, 16), PREFERENCES: at(2026, 11, 5)}}
    o = by_period(judge([account(manager_id=42)], {1: stamps}, now=at(2026, 11, 26)))["2026-11"]
    assert (o.state, o.met_at, o.required, o.done) == (MET, at(2026, 11, 12, 16), 3, 3)
    assert (o.owner_id, o.owner_role, o.escalation_role, o.queue) == (42, "", "head_of_sales", "")
    assert o.label == "华美酒店 · 档案更新或确认（基本信息、决策流程、偏好）"


@pytest.mark.parametrize("sections,now,state", [
    ({}, at(2026, 11, 20), UPCOMING),
    ({BASIC: at(2026, 11, 2)}, at(2026, 11, 23, 12), UPCOMING),  # exactly 7.5 of 30 days left
    ({BASIC: at(2026, 11, 2), DECISION: at(2026, 11, 3)}, at(2026, 11, 23, 12, 1), DUE_SOON),
    ({BASIC: at(2026, 11, 2), DECISION: at(2026, 11, 3)}, at(2026, 12, 1), BREACHED),
])
def test_a6_2_fewer_than_three_sections_leave_the_month_open(sections, now, state):
    o = by_period(judge([account()], {1: {"2026-11": sections}}, now=now))["2026-11"]
    assert (o.state, o.done, o.required, o.met_at) == (state, len(sections), 3, None)


def test_a6_2_sections_confirmed_in_different_months_do_not_add_up():
    found = {1: {"2026-10": {BASIC: at(2026, 10, 30)}, "2026-11": {DECISION: at(2026, 11, 2),
                                                                  PREFERENCES: at(2026, 11, 2)}}}
    obs = by_period(judge([account()], found, now=at(2026, 12, 1, 9)))
    assert obs["2026-10"].state == BREACHED and obs["2026-10"].done == 1
    assert obs["2026-11"].state == BREACHED and obs["2026-11"].done == 2
    assert obs["2026-12"].state == UPCOMING


def test_a6_2_applies_to_core_and_ordinary_accounts_and_starts_with_the_next_full_month():
    accounts = [account(1, "core"), account(2, "ordinary"), account(3, "core", since=at(2026, 11, 15))]
    obs = judge(accounts, {}, now=at(2026, 11, 26))
    assert {(o.customer_id, o.period_key) for o in obs} == {
        (1, "2026-10"), (1, "2026-11"), (2, "2026-10"), (2, "2026-11")}
    assert {o.period_key for o in judge(accounts, {}, now=at(2026, 12, 2)) if o.customer_id == 3} == {"2026-12"}


def test_a6_2_g1_a_quarterly_update_period_from_the_version_in_force_at_the_period_start():
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 10, 1), values({"dossier.update_period": {"count": 1, "period": "quarter"}})))
    found = {1: {"2026-09": {BASIC: at(2026, 9, 1)}, "2026-Q4": {
        BASIC: at(2026, 10, 8), DECISION: at(2026, 11, 8), PREFERENCES: at(2026, 12, 8)}}}
    obs = by_period(judge([account()], found, since=at(2026, 9, 1), now=at(2026, 12, 20), policy=policy))
    assert set(obs) == {"2026-09", "2026-Q4"}
    assert obs["2026-09"].state == BREACHED
    assert obs["2026-Q4"].state == MET and obs["2026-Q4"].met_at == at(2026, 12, 8)


@PROPERTY
@given(stamps=st.dictionaries(st.sampled_from([BASIC, DECISION, PREFERENCES]), instants_2026), now=instants_2026)
def test_a6_2_a_month_is_met_exactly_when_all_three_sections_have_a_stamp_in_it(stamps, now):
    found: dict[str, dict] = {}
    for section, stamp in stamps.items():
        found.setdefault(period_of("month", stamp).key, {})[section] = stamp
    for o in judge([account(since=at(2025, 1, 1))], {1: found}, since=at(2026, 1, 1), now=now):
        inside = found.get(o.period_key, {})
        assert o.done == len(inside)
        if len(inside) == 3:
            assert o.state == MET and o.met_at == max(inside.values())
        else:
            assert o.met_at is None and (o.state == BREACHED) == (now >= o.due_at)
