"""A15.1 request clocks without a database: first response and preliminary solution from receipt, owners
through escalation (head of sales) and assignment (the assignee, the department queue, A15.2), G.1 and G.4.
No test has the `db` fixture (pytest-django refuses any query: the decision part is pure).

The policy default for requests is working hours (G.3, the calendar snapshot in the facts); most cases here
publish a calendar-hours version so that the arithmetic stays obvious."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kam.demands.clocks import RequestFacts, RequestLoad
from kam.obligations.engine import BREACHED, DUE_SOON, MET, MET_LATE, REGISTRY, UPCOMING
from tests.obligations.pure import (
    CAL,
    DEFAULTS,
    PROPERTY,
    STATE_ORDER,
    at,
    instants_2026,
    one_version,
    timeline,
    values,
)

A151 = REGISTRY["A15.1"]
CALENDAR = one_version({"requests.clock_mode": "calendar"})
RECEIVED = at(2026, 11, 27, 17, 30)


def request(rid=1, *, received=RECEIVED, status="open", responded=None, solution=None, assignee=None,
            department="", manager=7) -> RequestFacts:
    return RequestFacts(id=rid, customer_id=1, customer_name="华美酒店", account_manager_id=manager,
                        kind_label="定制", status=status, received_at=received, responded_at=responded,
                        solution_at=solution, assignee_id=assignee, department=department)


def clocks(requests, *, now, policy=CALENDAR):
    facts = RequestLoad(requests=list(requests), calendar=CAL)
    return {o.period_key.rsplit(":", 1)[1]: o for o in A151.evaluate(facts, timeline=policy, now=now)}


def test_a15_1_g3_working_hours_by_default():
    """Received Friday 2026-11-27 17:30 (09:00–18:00 working days): 1 working hour → Monday 11-30 09:30;
    24 working hours → 0.5 h Friday + 9 h Monday + 9 h Tuesday + 5.5 h → Wednesday 12-02 14:30."""
    c = clocks([request()], now=at(2026, 11, 27, 18), policy=DEFAULTS)
    assert c["response"].due_at == at(2026, 11, 30, 9, 30) and c["solution"].due_at == at(2026, 12, 2, 14, 30)
    assert not c["response"].provisional
    # G.4 measures the window on the wall clock: 63.5 of its 64 hours left at 18:00
    assert c["response"].state == UPCOMING


def test_a15_1_g3_a_solution_due_in_a_year_without_official_schedule_is_provisional():
    c = clocks([request(received=at(2026, 12, 30, 10))], now=at(2026, 12, 30, 10), policy=DEFAULTS)
    assert not c["response"].provisional and c["response"].due_at == at(2026, 12, 30, 11)
    assert c["solution"].provisional and c["solution"].due_at == at(2027, 1, 4, 16)


def test_a15_1_two_clocks_per_request_response_1_hour_solution_24_hours():
    c = clocks([request()], now=at(2026, 11, 27, 17, 45))
    assert set(c) == {"response", "solution"}
    assert c["response"].due_at == at(2026, 11, 27, 18, 30) and c["solution"].due_at == at(2026, 11, 28, 17, 30)
    for part, o in c.items():
        assert (o.rule, o.subject_type, o.subject_id, o.customer_id) == ("A15.1", "request", 1, 1)
        assert o.window_start == RECEIVED and o.escalation_role == "head_of_sales" and o.url == "/requests/1/"
        assert o.period_key == f"{int(RECEIVED.timestamp())}:{part}"
    assert c["response"].label == "华美酒店 · 定制需求 · 1 小时内首次响应"
    assert c["solution"].label == "华美酒店 · 定制需求 · 24 小时内初步方案"


@pytest.mark.parametrize("now,responded,state", [
    (at(2026, 11, 27, 18, 15), None, UPCOMING),  # 15 of 60 minutes left: exactly a quarter
    (at(2026, 11, 27, 18, 16), None, DUE_SOON),
    (at(2026, 11, 27, 18, 30), None, BREACHED),
    (at(2026, 11, 28), at(2026, 11, 27, 18, 30), MET),
    (at(2026, 11, 28), at(2026, 11, 27, 18, 31), MET_LATE),
])
def test_a15_1_response_states(now, responded, state):
    assert clocks([request(responded=responded)], now=now)["response"].state == state


def test_a15_1_the_account_manager_owns_both_clocks_of_an_open_request():
    c = clocks([request(status="responded", responded=at(2026, 11, 27, 18))], now=at(2026, 11, 27, 19))
    for o in c.values():
        assert (o.owner_id, o.owner_role, o.watcher_id, o.queue) == (7, "", None, "")
    assert c["response"].state == MET and c["solution"].state == UPCOMING


def test_a15_1_escalated_the_head_of_sales_owns_the_solution_clock_the_manager_watches():
    """A15.2: escalated and not yet assigned — the head of sales must assign it; the response stays the
    manager's."""
    c = clocks([request(status="escalated", responded=at(2026, 11, 27, 17, 40))], now=at(2026, 11, 28, 12))
    assert (c["solution"].owner_id, c["solution"].owner_role, c["solution"].watcher_id) == (None, "head_of_sales", 7)
    assert c["solution"].queue == "" and c["solution"].state == DUE_SOON
    assert (c["response"].owner_id, c["response"].owner_role, c["response"].watcher_id) == (7, "", None)


def test_a15_1_assigned_the_assignee_owns_the_solution_in_the_department_queue():
    c = clocks([request(status="assigned", assignee=55, department="after_sales")], now=at(2026, 11, 27, 18))
    s = c["solution"]
    assert (s.owner_id, s.owner_role, s.queue, s.watcher_id) == (55, "", "after_sales", 7)
    assert (c["response"].owner_id, c["response"].queue) == (7, "")
    # assigned back to the account manager: nobody watches their own clock
    c = clocks([request(status="assigned", assignee=7, department="marketing")], now=at(2026, 11, 27, 18))
    assert (c["solution"].owner_id, c["solution"].watcher_id, c["solution"].queue) == (7, None, "marketing")


def test_a15_1_a_request_of_an_account_without_manager_has_no_watcher():
    c = clocks([request(status="assigned", assignee=55, department="finance", manager=None)], now=RECEIVED)
    assert c["solution"].watcher_id is None and c["response"].owner_id is None


@pytest.mark.parametrize("solution,state", [(at(2026, 11, 28, 17, 30), MET), (at(2026, 11, 28, 17, 31), MET_LATE)])
def test_a15_1_solution_met_or_late(solution, state):
    c = clocks([request(status="solved", responded=RECEIVED, solution=solution)], now=at(2026, 12, 1))
    assert c["solution"].state == state and c["solution"].met_at == solution


def test_a15_1_g1_hours_and_mode_of_the_version_in_force_at_receipt():
    policy = timeline((at(2020, 1, 1), values({"requests.clock_mode": "calendar"})),
                      (at(2026, 11, 27, 18), values({"requests.clock_mode": "calendar", "requests.response_hours": 2,
                                                     "requests.solution_hours": 48})))
    old = clocks([request(1)], now=at(2026, 11, 27, 19), policy=policy)
    new = clocks([request(2, received=at(2026, 11, 27, 18))], now=at(2026, 11, 27, 19), policy=policy)
    assert old["response"].due_at == at(2026, 11, 27, 18, 30) and old["solution"].due_at == at(2026, 11, 28, 17, 30)
    assert new["response"].due_at == at(2026, 11, 27, 20) and new["solution"].due_at == at(2026, 11, 29, 18)
    assert new["response"].label.endswith("2 小时内首次响应")


@PROPERTY
@given(received=instants_2026, now_a=instants_2026, now_b=instants_2026,
       status=st.sampled_from(["open", "responded", "escalated", "assigned"]))
def test_a15_1_state_is_monotone_in_now_and_owners_do_not_depend_on_now(received, now_a, now_b, status):
    early, late = sorted((now_a, now_b))
    facts = [request(received=received, status=status, assignee=55 if status == "assigned" else None,
                     department="after_sales" if status == "assigned" else "")]
    a, b = clocks(facts, now=early), clocks(facts, now=late)
    for part in ("response", "solution"):
        assert STATE_ORDER[a[part].state] <= STATE_ORDER[b[part].state]
        assert (a[part].owner_id, a[part].owner_role, a[part].due_at) == (b[part].owner_id, b[part].owner_role,
                                                                         b[part].due_at)
        assert a[part].due_at - received == dt.timedelta(hours=1 if part == "response" else 24)
