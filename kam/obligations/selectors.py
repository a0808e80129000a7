"""Reads of obligations for pages: my day (one person's) and the compliance overview (everyone's)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from kam.obligations import engine
from kam.obligations.periods import period_of
from kam.users.models import Role, User


@dataclass
class MyDay:
    overdue: list[engine.Obligation] = field(default_factory=list)
    today: list[engine.Obligation] = field(default_factory=list)
    week: list[engine.Obligation] = field(default_factory=list)
    done: list[engine.Obligation] = field(default_factory=list)  # met in periods still running
    per_rule: Counter = field(default_factory=Counter)
    accounts: dict[int, list[engine.Obligation]] = field(default_factory=dict)


def my_day(*, user: User, now: dt.datetime | None = None) -> MyDay:
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_end = now + dt.timedelta(days=7)
    result = MyDay()
    everything = engine.evaluate(now=now, owner=user)
    result.done = sorted((o for o in everything if not o.open and o.window_start <= now < o.due_at),
                         key=lambda o: o.due_at)
    open_obs = [o for o in everything if o.open]
    for o in sorted(open_obs, key=lambda o: o.due_at):
        if o.state == engine.BREACHED:
            result.overdue.append(o)
        elif o.state == engine.DUE_SOON or timezone.localdate(o.due_at) <= today:
            result.today.append(o)
        elif o.due_at <= week_end:
            result.week.append(o)
        else:
            continue
        result.per_rule[o.rule] += 1
        if o.customer_id:
            result.accounts.setdefault(o.customer_id, []).append(o)
    return result


@dataclass
class ComplianceRow:
    owner: str
    owner_key: str
    cells: dict[str, Counter]


def compliance(*, user: User, now: dt.datetime | None = None, weeks: int = 8):
    """Per manager and rule: met / breached / open this period; and the weekly trend of the share met."""
    from kam.core.access import require_role

    require_role(user, Role.HEAD_OF_SALES, Role.MANAGEMENT)
    now = now or timezone.now()
    this_week = period_of("week", now)
    since = this_week.start - dt.timedelta(weeks=weeks - 1)
    obligations = engine.evaluate(now=now, since=since)
    names = {u.pk: str(u) for u in User.objects.filter(pk__in={o.owner_id for o in obligations if o.owner_id})}
    role_names: dict[str, str] = {str(Role.HEAD_OF_SALES): str(Role.HEAD_OF_SALES.label)}
    rows: dict[str, ComplianceRow] = {}
    rules = sorted({o.rule for o in obligations}, key=_rule_sort)
    current_cutoff = period_of("month", now).previous().start
    for o in obligations:
        key = f"u{o.owner_id}" if o.owner_id else f"r{o.owner_role}"
        label = names.get(o.owner_id, "") if o.owner_id else role_names.get(o.owner_role, o.owner_role)
        row = rows.setdefault(key, ComplianceRow(label, key, defaultdict(Counter)))
        if o.due_at <= current_cutoff and o.state != engine.BREACHED:
            continue
        if o.window_start <= now < o.due_at:
            row.cells[o.rule]["open" if o.open else "met"] += 1
        elif o.due_at <= now and o.due_at > current_cutoff:
            row.cells[o.rule]["breached" if o.state == engine.BREACHED else "met"] += 1
    trend = []
    week = this_week
    for _i in range(weeks):
        due = [o for o in obligations if week.start < o.due_at <= week.end and o.due_at <= now]
        met = sum(1 for o in due if o.state in (engine.MET, engine.MET_LATE))
        trend.append((week.key, len(due), met, round(100 * met / len(due)) if due else None))
        week = week.previous()
    return sorted(rows.values(), key=lambda r: r.owner), rules, list(reversed(trend)), obligations


def _rule_sort(rule: str) -> tuple:
    head, _, tail = rule.partition(".")
    return (head[0], int(head[1:]) if head[1:].isdigit() else 0, int(tail) if tail.isdigit() else 0)
