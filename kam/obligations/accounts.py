"""Key-account facts shared by period rules: who was a key account when, at which tier, managed by whom.
Loaded once per evaluation (three queries) and cached on the context."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Min, Q

from kam.obligations.engine import EvalContext
from kam.obligations.periods import Period


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


def key_accounts(ctx: EvalContext) -> dict[int, AccountSpan]:
    cached = ctx.cache.get("key_accounts")
    if cached is not None:
        return cached
    from kam.customers.models import Customer
    from kam.qualification.models import Designation, TierChange

    designations = Designation.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=ctx.since),
                                              started_at__lte=ctx.now)
    if ctx.customer_ids is not None:
        designations = designations.filter(customer_id__in=ctx.customer_ids)
    spans: dict[int, list] = {}
    for cid, start, end in designations.values_list("customer_id", "started_at", "ended_at"):
        spans.setdefault(cid, []).append((start, end))
    accounts: dict[int, AccountSpan] = {}
    if spans:
        customers = Customer.objects.filter(pk__in=list(spans)) if len(spans) < 5000 else Customer.objects.all()
        for cid, name, manager in customers.values_list("id", "name", "account_manager_id"):
            if cid in spans:
                accounts[cid] = AccountSpan(cid, name, manager, spans[cid])
        changes = TierChange.objects.filter(effective_at__lte=ctx.now).order_by("customer_id", "effective_at", "id")
        if len(spans) < 5000:
            changes = changes.filter(customer_id__in=list(spans))
        for cid, at, tier in changes.values_list("customer_id", "effective_at", "tier"):
            account = accounts.get(cid)
            if account is not None:
                account.tier_times.append(at)
                account.tier_values.append(tier)
    ctx.cache["key_accounts"] = accounts
    return accounts


def windowed_counts(qs, windows: list[Period], *, at_field: str = "at") -> dict[int, dict[str, tuple]]:
    """Per customer and window: (count, first, last) of the rows in the window — one GROUP BY query."""
    if not windows:
        return {}
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
