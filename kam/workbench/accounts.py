"""The account manager's per-account table on the home page (issue 13): each own account with its tier, the next
thing due and what the chapters contribute (last contact and visit, open tickets and requests — registered as
`kam.core.home.AccountColumn`s). A fixed number of queries whatever the number of accounts: the accounts, their
tiers, their open clocks, and one GROUP BY per registered column."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.home import Cell, Table, account_columns
from kam.customers.models import Customer
from kam.obligations.models import OPEN_STATES, State
from kam.obligations.selectors import live
from kam.policy.rules import rule_title
from kam.qualification.models import Tier
from kam.qualification.selectors import tiers_for
from kam.users.models import User


def accounts_panel(*, user: User, now: dt.datetime) -> dict | None:
    customers = list(Customer.objects.filter(account_manager=user).only("id", "name").order_by("name"))
    if not customers:
        return {"table": None}
    ids = [c.pk for c in customers]
    tiers = tiers_for(ids, at=now)
    next_due: dict[int, object] = {}
    for o in (live().filter(customer_id__in=ids, state__in=OPEN_STATES).only(
            "customer_id", "rule", "label", "url", "due_at", "state").order_by("due_at", "id")):
        next_due.setdefault(o.customer_id, o)
    columns = account_columns()
    values = [column.load(user=user, customer_ids=ids, now=now) for column in columns]
    tier_labels = dict(Tier.choices)
    rows = []
    for c in sorted(customers, key=lambda c: (tiers.get(c.pk) != Tier.CORE, c.pk not in tiers, c.name)):
        tier = tiers.get(c.pk)
        o = next_due.get(c.pk)
        due = Cell("—", tone="muted")
        if o is not None:
            due = Cell(f"{rule_title(o.rule) or o.rule} · {timezone.localtime(o.due_at):%m-%d}", o.url or "",
                       "bad" if o.state == State.BREACHED else ("warn" if o.state == State.DUE_SOON else ""))
        rows.append([Cell(c.name, reverse("customers:detail", args=[c.pk])),
                     Cell(tier_labels.get(tier, _("非大客户")) if tier else _("非大客户"),
                          tone="" if tier else "muted"),
                     due,
                     *[v.get(c.pk, Cell("—", tone="muted")) for v in values]])
    table = Table("accounts", [_("客户"), _("层级"), _("下一到期"), *[col.title for col in columns]], rows, num_from=99)
    return {"table": table, "count": len(customers), "key": sum(1 for c in customers if c.pk in tiers)}
