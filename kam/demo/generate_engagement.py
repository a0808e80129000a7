"""`kam generate --key-accounts 2000 --contact-logs 2000000`: designations and contact history at volume
for the engine benchmark (`kam bench engine`).

Key accounts are the customers with the largest trailing-12-month orders (so tiers follow A5.3), never more
than the cap per manager (generated managers hold at most 15 customers). Contact logs are written with one
executemany per batch (2,000,000 rows in about a minute on SQLite)."""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import TextIO

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

KINDS = ["phone"] * 5 + ["wechat"] * 4 + ["visit"] * 2 + ["email", "meeting"]
TOPICS = ["needs", "product", "cooperation", "other"]


def generate_engagement(*, key_accounts: int = 2000, contact_logs: int = 2_000_000, seed: int = 7,
                        stdout: TextIO | None = None) -> dict[str, int]:
    from kam.customers.models import Customer
    from kam.qualification.criteria import split_tiers
    from kam.qualification.models import Designation, TierChange
    from kam.qualification.selectors import key_account_ids

    out = stdout.write if stdout else print
    rng = random.Random(seed)
    started = time.monotonic()
    today = timezone.localdate()
    since_day = today - dt.timedelta(days=365)
    existing = key_account_ids()
    rows = list(Customer.objects.exclude(pk__in=existing).filter(account_manager__isnull=False)
                .annotate(total=Sum("orders__amount", filter=Q(orders__order_date__gte=since_day)))
                .filter(total__isnull=False).order_by("-total").values_list("id", "total", "account_manager_id")
                [:key_accounts])
    tiers = split_tiers({cid: Decimal(total) for cid, total, _m in rows}, *_tier_settings())
    start = dt.datetime(today.year - 1, 1, 1, tzinfo=timezone.get_default_timezone())
    with transaction.atomic():
        designations = Designation.objects.bulk_create(
            [Designation(customer_id=cid, source="initial_list", tier=tiers[cid], started_at=start,
                         reason="generated") for cid, _t, _m in rows], batch_size=2000)
        TierChange.objects.bulk_create([TierChange(customer_id=d.customer_id, designation_id=d.pk, tier=d.tier,
                                                   effective_at=start) for d in designations], batch_size=2000)
    out(f"designated {len(rows)} key accounts ({sum(1 for t in tiers.values() if t == 'core')} core)\n")
    managers = {cid: m for cid, _t, m in rows}
    ids = list(managers)
    written = 0
    if ids and contact_logs:
        now = timezone.now()
        horizon = 730 * 86400
        sql = ("INSERT INTO engagement_contactlog (customer_id, at, kind, author_id, with_decision_maker, topic, "
               "summary, next_step, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
        batch = 20000
        step = max(contact_logs // 10, 1)
        while written < contact_logs:
            n = min(batch, contact_logs - written)
            values = []
            for i in range(n):
                cid = ids[(written + i) % len(ids)]
                at = now - dt.timedelta(seconds=rng.randrange(horizon))
                values.append((cid, at, rng.choice(KINDS), managers[cid], False, rng.choice(TOPICS),
                               "例行沟通", "", now))
            with transaction.atomic(), connection.cursor() as cur:
                cur.executemany(sql, values)
            before = written
            written += n
            if written // step != before // step:
                out(f"  contact logs {written:,}/{contact_logs:,} ({time.monotonic() - started:.0f} s)\n")
    out(f"done in {time.monotonic() - started:.1f} s\n")
    return {"key_accounts": len(rows), "contact_logs": written}


def _tier_settings() -> tuple[Decimal, int]:
    """A5.3 share and minimum from the policy in force (never constants)."""
    from kam.policy.selectors import policy_in_force

    policy = policy_in_force(at=timezone.now())
    return Decimal(str(policy["tiers.core_share"])), int(policy["tiers.min_core"])
