"""The obligation engine: clock rules → obligations (G.1–G.5).

A rule is registered once (`register`) and evaluated set-based: its `load` runs a few queries for all
accounts at once; its `evaluate` is a pure function of (policy timeline, facts, now). Later issues add
rules (green channel, dossier freshness, receivables …) in their own app's `obligation_rules.py`
without touching this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

UPCOMING, DUE_SOON, MET, MET_LATE, BREACHED = "upcoming", "due_soon", "met", "met_late", "breached"
STATES = (UPCOMING, DUE_SOON, MET, MET_LATE, BREACHED)
STATE_LABELS = {UPCOMING: "未到期", DUE_SOON: "即将到期", MET: "已完成", MET_LATE: "逾期完成", BREACHED: "已逾期"}


@dataclass(frozen=True)
class Obligation:
    rule: str  # rule id, e.g. "A12.1"
    subject_type: str  # customer | visit | ticket | request …
    subject_id: int
    customer_id: int | None
    period_key: str  # a period's key (2026-W48) or the clock's start for hour clocks
    window_start: dt.datetime
    due_at: dt.datetime
    state: str
    owner_id: int | None = None  # the person who must act …
    owner_role: str = ""  # … or a role (e.g. head_of_sales for A8.1)
    escalation_role: str = ""  # who hears of a breach (G.5)
    required: int = 1
    done: int = 0
    met_at: dt.datetime | None = None
    label: str = ""  # short Chinese text (never core data)
    url: str = ""
    watchers: tuple[int, ...] = ()  # others who hear due-soon and breach personally (e.g. the account manager)
    queue: str = ""  # the department queue it sits in (after_sales, marketing, finance) — G.5, A4

    @property
    def key(self) -> tuple[str, str, int, str]:
        return (self.rule, self.subject_type, self.subject_id, self.period_key)

    @property
    def open(self) -> bool:
        return self.state in (UPCOMING, DUE_SOON, BREACHED)


def clock_state(*, window_start: dt.datetime, due_at: dt.datetime, now: dt.datetime, met_at: dt.datetime | None,
                due_soon_fraction, remind_at: dt.datetime | None = None) -> str:
    """G.4: due soon when less than `due_soon_fraction` of the window remains (or from `remind_at`)."""
    if met_at is not None:
        return MET if met_at <= due_at else MET_LATE
    if now >= due_at:
        return BREACHED
    if remind_at is not None:
        return DUE_SOON if now >= remind_at else UPCOMING
    window = (due_at - window_start).total_seconds()
    remaining = (due_at - now).total_seconds()
    return DUE_SOON if window > 0 and remaining < float(due_soon_fraction) * window else UPCOMING


@dataclass
class EvalContext:
    now: dt.datetime
    since: dt.datetime  # evaluate periods / clocks that end after this instant
    timeline: Any  # kam.policy.selectors.PolicyTimeline
    customer_ids: set[int] | None = None  # restrict to these accounts (one-account reflection)
    owner_id: int | None = None  # restrict to one person's obligations (my day) …
    owner_roles: frozenset[str] = frozenset()  # … including those owned by a role they hold
    cache: dict[str, Any] = field(default_factory=dict)  # shared loads (key accounts, tiers) across rules


class Rule:
    id: str = ""
    title: str = ""
    #: "immediate": a breach goes to the escalation target at once (hour clocks, A11/A15);
    #: "digest": in the next daily digest (period clocks) — G.5
    escalation: str = "digest"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        raise NotImplementedError


REGISTRY: dict[str, Rule] = {}


def register(rule: Rule) -> Rule:
    REGISTRY[rule.id] = rule
    return rule


def owned_by(ctx: EvalContext, owner_id: int | None, owner_role: str) -> bool:
    if ctx.owner_id is None:
        return True
    return (owner_id is not None and owner_id == ctx.owner_id) or (bool(owner_role) and owner_role in ctx.owner_roles)


def evaluate(*, now: dt.datetime | None = None, since: dt.datetime | None = None, rules: Iterable[str] | None = None,
             customer_ids: set[int] | None = None, owner=None) -> list[Obligation]:
    """Every obligation of the selected rules whose clock is open or ended after `since`
    (default: the start of the previous month, enough for the current and previous periods)."""
    from kam.policy.selectors import published_versions

    now = now or timezone.now()
    if since is None:
        local = timezone.localtime(now)
        first = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        since = (first - dt.timedelta(days=1)).replace(day=1)
    ctx = EvalContext(now=now, since=since, timeline=published_versions(), customer_ids=customer_ids,
                      owner_id=owner.pk if owner is not None else None,
                      owner_roles=frozenset(owner.roles) if owner is not None else frozenset())
    result: list[Obligation] = []
    for rule_id in (rules or list(REGISTRY)):
        result.extend(o for o in REGISTRY[rule_id].obligations(ctx) if owned_by(ctx, o.owner_id, o.owner_role))
    return result
