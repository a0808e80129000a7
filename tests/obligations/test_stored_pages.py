"""Issue 11: pages read stored obligations — and show exactly what they showed when they evaluated the engine.

The `_ref_*` functions below are the page selectors as they were before obligations were stored (they call
`engine.evaluate` and filter in Python); they are kept here as the oracle. On the demo data, after a sweep's
reconcile, my day, the department queues and the compliance overview read from the table must list the same
items in the same sections.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest
from django.utils import timezone

from kam.obligations import engine, selectors, store
from kam.obligations.periods import period_of
from kam.users.models import Role, User

pytestmark = pytest.mark.django_db


# --- the oracle: the page logic before issue 11 --------------------------------------------------------------

def _key(o) -> tuple:
    return (o.rule, o.subject_type, o.subject_id, o.period_key, o.state)


def _ref_my_day(user, now):
    today = timezone.localdate(now)
    week_end = now + dt.timedelta(days=7)
    everything = engine.evaluate(now=now, owner=user)
    done = sorted((o for o in everything if not o.open and o.window_start <= now < o.due_at), key=lambda o: o.due_at)
    overdue, today_list, week = [], [], []
    for o in sorted((o for o in everything if o.open), key=lambda o: o.due_at):
        if o.state == engine.BREACHED:
            overdue.append(o)
        elif o.state == engine.DUE_SOON or timezone.localdate(o.due_at) <= today:
            today_list.append(o)
        elif o.due_at <= week_end:
            week.append(o)
    return {"overdue": overdue, "today": today_list, "week": week, "done": done}


def _ref_queue(department, now):
    items = [o for o in engine.evaluate(now=now) if o.queue == department and o.open]
    return sorted(items, key=lambda o: o.due_at)


def _ref_compliance(now, weeks=8):
    this_week = period_of("week", now)
    since = this_week.start - dt.timedelta(weeks=weeks - 1)
    obligations = engine.evaluate(now=now, since=since)
    cells: dict[str, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    current_cutoff = period_of("month", now).previous().start
    for o in obligations:
        key = f"u{o.owner_id}" if o.owner_id else f"r{o.owner_role}"
        if o.due_at <= current_cutoff and o.state != engine.BREACHED:
            continue
        if o.window_start <= now < o.due_at:
            cells[key][o.rule]["open" if o.open else "met"] += 1
        elif o.due_at <= now and o.due_at > current_cutoff:
            cells[key][o.rule]["breached" if o.state == engine.BREACHED else "met"] += 1
    trend = []
    week = this_week
    for _i in range(weeks):
        due = [o for o in obligations if week.start < o.due_at <= week.end and o.due_at <= now]
        met = sum(1 for o in due if o.state in (engine.MET, engine.MET_LATE))
        trend.append((week.key, len(due), met))
        week = week.previous()
    return {k: {r: dict(c) for r, c in v.items() if c} for k, v in cells.items()}, list(reversed(trend))


# --- the comparison ------------------------------------------------------------------------------------------

@pytest.fixture
def demo():
    from kam.demo.data import load_demo

    load_demo()
    return timezone.now()


def test_my_day_queues_and_compliance_read_from_the_table_equal_the_engine(demo):
    now = demo
    store.reconcile_all(now=now, backfill=True)
    for username in ("am1", "am2", "head", "svc"):
        user = User.objects.get(username=username)
        ref = _ref_my_day(user, now)
        day = selectors.my_day(user=user, now=now)
        for section in ("overdue", "today", "week", "done"):
            rows = getattr(day, section)
            assert sorted(map(_key, rows)) == sorted(map(_key, ref[section])), (username, section)
            assert [o.due_at for o in rows] == sorted(o.due_at for o in rows)  # soonest first
    for department in ("after_sales", "marketing", "finance"):
        ref = _ref_queue(department, now)
        page = selectors.queue(department=department, now=now)
        assert sorted(map(_key, page)) == sorted(map(_key, ref)), department
        assert [o.due_at for o in page] == sorted(o.due_at for o in page)
    head = User.objects.filter(role_grants__role=Role.HEAD_OF_SALES).first()
    ref_cells, ref_trend = _ref_compliance(now)
    overview = selectors.compliance(user=head, now=now)
    assert {r.owner_key: {rule: dict(c) for rule, c in r.cells.items() if c} for r in overview.rows} == ref_cells
    assert [(w.key, w.due, w.met) for w in overview.trend] == ref_trend
    # the demo has something to compare in every page
    assert any(ref_cells.values()) and sum(t[1] for t in ref_trend) > 0
