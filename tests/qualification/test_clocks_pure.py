"""A5.1 annual-review approval clock without a database: in the review month the head of sales owns it until
the review is submitted, then management until it is approved by `review.approve_by`. Facts are built by hand
and `evaluate` is called directly; no test has the `db` fixture (pytest-django refuses any query)."""

from __future__ import annotations

import pytest
from hypothesis import given

from kam.obligations.engine import BREACHED, DUE_SOON, MET, MET_LATE, REGISTRY, UPCOMING
from kam.qualification.clocks import ReviewFacts, ReviewLoad
from tests.obligations.pure import (
    DEFAULTS,
    PROPERTY,
    STATE_ORDER,
    at,
    instants_2026,
    one_version,
    timeline,
    values,
)

A51 = REGISTRY["A5.1"]


def judge(reviews=(), *, now, since=None, policy=DEFAULTS):
    since = since or at(now.year, now.month, 1)
    load = ReviewLoad(since=since, reviews={r.year: r for r in reviews})
    return {o.subject_id: o for o in A51.evaluate(load, timeline=policy, now=now)}


def test_a5_1_no_clock_before_the_review_month():
    assert judge(now=at(2026, 11, 30, 23, 59), since=at(2026, 10, 1)) == {}


def test_a5_1_not_yet_submitted_the_head_of_sales_owns_it_management_hears_of_a_breach():
    o = judge(now=at(2026, 12, 5), since=at(2026, 11, 1))[2026]
    assert (o.rule, o.subject_type, o.customer_id, o.period_key) == ("A5.1", "review", None, "2026:head_of_sales")
    assert (o.owner_id, o.owner_role, o.escalation_role) == (None, "head_of_sales", "management")
    assert (o.window_start, o.due_at) == (at(2026, 12, 1), at(2027, 1, 1))  # approve by 12-31 inclusive
    assert o.state == UPCOMING and o.label == "2026 年度大客户评审尚未提交" and o.url == "/designation/reviews/"


def test_a5_1_submitted_management_owns_it_until_approved():
    o = judge([ReviewFacts(2026, 31, True, None)], now=at(2026, 12, 5))[2026]
    assert (o.owner_role, o.escalation_role, o.period_key) == ("management", "", "2026:management")
    assert o.label == "2026 年度大客户评审待管理层批准" and o.url == "/designation/reviews/31/"


@pytest.mark.parametrize("now,state", [
    (at(2026, 12, 24, 6), UPCOMING),  # 7.75 of 31 days left: exactly a quarter
    (at(2026, 12, 24, 6, 1), DUE_SOON),
    (at(2026, 12, 31, 23, 59), DUE_SOON),
    (at(2027, 1, 1), BREACHED),
])
def test_a5_1_g4_states_towards_the_approval_deadline(now, state):
    assert judge(now=now, since=at(2026, 12, 1))[2026].state == state


@pytest.mark.parametrize("approved,state", [(at(2026, 12, 31, 23, 59), MET), (at(2027, 1, 3, 10), MET_LATE)])
def test_a5_1_approved_in_time_or_late_judged_in_january_too(approved, state):
    o = judge([ReviewFacts(2026, 31, False, approved)], now=at(2027, 1, 10), since=at(2026, 12, 1))[2026]
    assert o.state == state and o.met_at == approved


def test_a5_1_last_year_s_clock_drops_out_once_its_deadline_is_before_since():
    assert 2026 in judge(now=at(2027, 1, 10), since=at(2026, 12, 1))
    assert judge(now=at(2027, 1, 10), since=at(2027, 1, 2)) == {}
    assert judge(now=at(2027, 1, 10), since=at(2027, 1, 1)).keys() == {2026}  # the deadline instant itself


def test_a5_1_review_month_and_deadline_from_the_policy():
    policy = one_version({"review.month": 11, "review.approve_by": "12-15"})
    o = judge(now=at(2026, 11, 20), since=at(2026, 10, 1), policy=policy)[2026]
    assert (o.window_start, o.due_at) == (at(2026, 11, 1), at(2026, 12, 16))
    assert o.state == UPCOMING


def test_a5_1_g1_a_year_is_judged_under_the_version_in_force_at_its_start():
    policy = timeline((at(2020, 1, 1), values()),
                      (at(2026, 6, 1), values({"review.month": 11, "review.approve_by": "11-30"})))
    assert judge(now=at(2026, 11, 20), since=at(2026, 10, 1), policy=policy) == {}  # 2026 still reviews in December
    o = judge(now=at(2026, 12, 20), since=at(2026, 11, 1), policy=policy)[2026]
    assert o.due_at == at(2027, 1, 1)
    o = judge(now=at(2027, 11, 20), since=at(2027, 10, 1), policy=policy)[2027]
    assert (o.window_start, o.due_at) == (at(2027, 11, 1), at(2027, 12, 1))


@PROPERTY
@given(now_a=instants_2026, now_b=instants_2026)
def test_a5_1_state_is_monotone_in_now_until_approved(now_a, now_b):
    early, late = sorted((now_a, now_b))
    since = at(2026, 1, 1)
    first, second = judge(now=early, since=since), judge(now=late, since=since)
    for year, o in first.items():
        if year in second:  # (each evaluation looks at this year's and last year's review only)
            assert STATE_ORDER[o.state] <= STATE_ORDER[second[year].state]
        else:
            assert late.year > year + 1


def test_a5_1_a_29_february_deadline_in_a_common_year_does_not_crash_the_sweep():
    policy = one_version({"review.month": 2, "review.approve_by": "02-29"})
    o = judge(now=at(2026, 2, 10), since=at(2026, 1, 1), policy=policy)[2026]
    assert o.due_at == at(2026, 3, 1)  # 28 February, end of day


def test_a5_1_a_deadline_in_january_after_a_december_review_is_a_clock_of_that_review():
    policy = one_version({"review.month": 12, "review.approve_by": "01-15"})
    o = judge(now=at(2026, 12, 5), since=at(2026, 11, 1), policy=policy).get(2026)
    assert o is not None and o.due_at == at(2027, 1, 16)
