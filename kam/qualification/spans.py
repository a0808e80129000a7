"""The key accounts as the obligation engine sees them (A12.2): who was a key account when, at which tier,
managed by whom — three queries for every account at once. Registered with the engine's rule kit in
`QualificationConfig.ready` (the engine does not import qualification)."""

from __future__ import annotations

from django.db.models import Q

from kam.customers.models import Customer
from kam.obligations.engine import EvalContext
from kam.obligations.kit import AccountSpan
from kam.qualification.models import Designation, TierChange


def key_account_spans(ctx: EvalContext) -> dict[int, AccountSpan]:
    designations = Designation.objects.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=ctx.since),
                                              started_at__lte=ctx.now)
    if ctx.customer_ids is not None:
        designations = designations.filter(customer_id__in=ctx.customer_ids)
    spans: dict[int, list] = {}
    for cid, start, end in designations.values_list("customer_id", "started_at", "ended_at"):
        spans.setdefault(cid, []).append((start, end))
    accounts: dict[int, AccountSpan] = {}
    if not spans:
        return accounts
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
    return accounts
