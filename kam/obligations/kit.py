"""The rule kit: shapes that several chapters' clock rules share.

* `AccountSpan` — who was a key account when, at which tier, managed by whom. The key accounts come from the
  subjects loader that qualification registers (`register_subjects("key_accounts", …)`), so the engine never
  imports the domain it runs on; they are loaded once per evaluation and shared across rules.
* `windowed_counts` — per customer and period, (count, first, last) of dated rows in one GROUP BY query.
* `PeriodRule` — a cadence over G.2 periods judged under the version in force at each period's start (G.1)
  and the tier at that start; `CadenceRule` — the common case "at least n rows of some kind per period".
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max, Min, Q

from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, judge_each
from kam.obligations.periods import Period, periods_between
from kam.policy.schema import Cadence
from kam.users.models import Role


@dataclass
class AccountSpan:
    customer_id: int
    name: str
    manager_id: int | None
    spans: list[tuple[dt.datetime, dt.datetime | None]] = field(default_factory=list)
    tier_times: list[dt.datetime] = field(default_factory=list)
    tier_values: list[str] = field(default_factory=list)

    def obligated(self, period: Period, now: dt.datetime) -> bool:
        """A12.2: an account designated mid-period starts with the next full period; a period counts while
        the account is a key account from its start to its end (or now)."""
        horizon = min(period.end, now)
        return any(start <= period.start and (end is None or end >= horizon) for start, end in self.spans)

    def tier_at(self, at: dt.datetime) -> str | None:
        """A12.2: the tier in force at an instant (a tier change applies from the next period: callers pass
        the period's start)."""
        i = bisect.bisect_right(self.tier_times, at)
        return self.tier_values[i - 1] if i else None


SubjectLoader = Callable[[EvalContext], dict[int, AccountSpan]]
SUBJECTS: dict[str, SubjectLoader] = {}


def register_subjects(name: str, loader: SubjectLoader) -> None:
    """A lower-layer hook: the app that knows the subjects (qualification: key accounts) provides them."""
    SUBJECTS[name] = loader


def key_accounts(ctx: EvalContext) -> dict[int, AccountSpan]:
    cached = ctx.cache.get("key_accounts")
    if cached is None:
        loader = SUBJECTS.get("key_accounts")
        cached = loader(ctx) if loader is not None else {}
        ctx.cache["key_accounts"] = cached
    return cached


def windowed_counts(qs, windows: list[Period], *, at_field: str = "at", few: bool = False
                    ) -> dict[int, dict[str, tuple]]:
    """Per customer and window: (count, first, last) of the rows in the window — one GROUP BY query; with `few`
    (a reflection: a few accounts' rows) one plain query of their instants, bucketed here — the same answer
    without compiling three aggregates per window."""
    if not windows:
        return {}
    if few:
        lo, hi = min(w.start for w in windows), max(w.end for w in windows)
        found: dict[int, dict[str, tuple]] = {}
        for cid, at in qs.filter(**{f"{at_field}__gte": lo, f"{at_field}__lt": hi}).order_by().values_list(
                "customer_id", at_field):
            per = found.setdefault(cid, {})
            for w in windows:
                if w.start <= at < w.end:
                    n, first, last = per.get(w.key, (0, at, at))
                    per[w.key] = (n + 1, min(first, at), max(last, at))
        return found
    aggregates = {}
    for i, w in enumerate(windows):
        cond = Q(**{f"{at_field}__gte": w.start, f"{at_field}__lt": w.end})
        aggregates[f"n{i}"] = Count("id", filter=cond)
        aggregates[f"a{i}"] = Min(at_field, filter=cond)
        aggregates[f"b{i}"] = Max(at_field, filter=cond)
    lo, hi = min(w.start for w in windows), max(w.end for w in windows)
    rows = qs.filter(**{f"{at_field}__gte": lo, f"{at_field}__lt": hi}).values("customer_id").annotate(**aggregates)
    result: dict[int, dict[str, tuple]] = {}
    for r in rows:
        per = {}
        for i, w in enumerate(windows):
            if r[f"n{i}"]:
                per[w.key] = (r[f"n{i}"], r[f"a{i}"], r[f"b{i}"])
        result[r["customer_id"]] = per
    return result


#: a reflection of at most this many accounts reads their rows rather than aggregating (kit.windowed_counts)
FEW = 50


def restrict(qs, ctx: EvalContext, accounts: dict[int, Any]):
    """Filter a per-customer queryset to the accounts at hand (skipped for very long lists: one big IN costs
    more than reading the rows of the others)."""
    if ctx.customer_ids is not None or len(accounts) < 5000:
        return qs.filter(customer_id__in=list(accounts))
    return qs


@dataclass
class PeriodFacts:
    accounts: dict[int, AccountSpan]
    periods: list[Period]
    #: per customer and period key: what the rule counts (e.g. (count, first, last))
    counts: dict[int, dict[str, Any]]


class PeriodRule(ClockRule):
    """A clock per key account and G.2 period. Subclasses say which tiers it applies to, the cadence of a tier
    under a policy version, how a period's facts are loaded, and how they are judged."""

    tiers: tuple[str, ...] = ("core", "ordinary")
    label_by_tier: dict[str, str] = {}
    escalation_role = Role.HEAD_OF_SALES
    queue = ""

    # --- what subclasses provide ---------------------------------------------------------------
    def cadence(self, policy, tier: str) -> Cadence:
        raise NotImplementedError

    def stored_period(self, values: dict, tier: str) -> str:
        """The period kind a stored (JSON) policy version uses for this tier."""
        raise NotImplementedError

    def load_counts(self, ctx: EvalContext, accounts: dict[int, AccountSpan], periods: list[Period]) -> dict:
        raise NotImplementedError

    def judge(self, cadence: Cadence, found: Any) -> tuple[int, int, dt.datetime | None]:
        """(required, done, met_at) of one account and period from what load_counts found (None: nothing)."""
        raise NotImplementedError

    def owner(self, account: AccountSpan) -> tuple[int | None, str]:
        return account.manager_id, ""

    # --- the kit --------------------------------------------------------------------------------
    def periods(self, timeline, since: dt.datetime, now: dt.datetime) -> list[Period]:
        """Every period (of any kind a policy version uses for these tiers) that overlaps [since, now]."""
        kinds = {self.stored_period(version[-1], tier) for version in (timeline.versions or ()) for tier in self.tiers}
        if not kinds:
            kinds = {self.cadence(timeline.latest(), tier).period for tier in self.tiers}
        periods = []
        for kind in sorted(kinds):
            periods.extend(p for p in periods_between(kind, since, now + dt.timedelta(microseconds=1)) if p.end > since)
        return periods

    def load(self, ctx: EvalContext) -> PeriodFacts:
        accounts = key_accounts(ctx)
        if ctx.customer_ids is not None:
            accounts = {cid: a for cid, a in accounts.items() if cid in ctx.customer_ids}
        periods = self.periods(ctx.timeline, ctx.since, ctx.now)
        counts = self.load_counts(ctx, accounts, periods) if accounts and periods else {}
        return PeriodFacts(accounts=accounts, periods=periods, counts=counts)

    def evaluate(self, facts: PeriodFacts, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.accounts.values(), lambda a: self.judge_account(a, facts, timeline, now),
                          lambda a: ("customer", a.customer_id, a.customer_id, a.name), now=now)

    def judge_account(self, account: AccountSpan, facts: PeriodFacts, timeline, now: dt.datetime) -> list[Obligation]:
        out = []
        cid = account.customer_id
        for p in facts.periods:
            if not account.obligated(p, now):
                continue
            tier = account.tier_at(p.start)
            if tier not in self.tiers:
                continue
            policy = timeline.at(p.start)
            cadence = self.cadence(policy, tier)
            if cadence.period != p.kind:
                continue
            required, done, met_at = self.judge(cadence, facts.counts.get(cid, {}).get(p.key))
            state = clock_state(window_start=p.start, due_at=p.end, now=now, met_at=met_at,
                                due_soon_fraction=policy["alerts.due_soon_fraction"])
            owner_id, owner_role = self.owner(account)
            out.append(Obligation(
                rule=self.id, subject_type="customer", subject_id=cid, customer_id=cid, period_key=p.key,
                window_start=p.start, due_at=p.end, state=state, owner_id=owner_id, owner_role=owner_role,
                escalation_role=self.escalation_role, required=required, done=done, met_at=met_at,
                label=f"{account.name} · {self.label_by_tier[tier]}", url=f"/customers/{cid}/", customer_name=account.name,
                queue=self.queue))
        return out


class CadenceRule(PeriodRule):
    """At least `cadence.count` rows of `facts_queryset()` per period: met at the first row when one is enough,
    at the last counted row otherwise."""

    settings_by_tier: dict[str, str] = {}

    def cadence(self, policy, tier: str) -> Cadence:
        return policy[self.settings_by_tier[tier]]

    def stored_period(self, values: dict, tier: str) -> str:
        return values[self.settings_by_tier[tier]]["period"]

    def facts_queryset(self):
        raise NotImplementedError

    def load_counts(self, ctx, accounts, periods):
        return windowed_counts(restrict(self.facts_queryset(), ctx, accounts), periods,
                               few=ctx.customer_ids is not None and len(accounts) <= FEW)

    def judge(self, cadence: Cadence, found) -> tuple[int, int, dt.datetime | None]:
        n, first, last = found or (0, None, None)
        met_at = (first if cadence.count == 1 else last) if n >= cadence.count else None
        return cadence.count, n, met_at
