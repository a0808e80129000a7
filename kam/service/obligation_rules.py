"""Green-channel clocks on the engine: A11.1 first response and A11.2 on site (hour clocks, G.3, breach
escalated at once, G.5) and A11.3 care sessions per key account (a period clock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace

from django.db.models import Q

from kam.engagement.obligation_rules import CadenceRule
from kam.obligations.engine import EvalContext, Obligation, Rule, clock_state, owned_by, register
from kam.policy.schema import Cadence
from kam.service import clocks

OPEN = ("new", "responded", "scheduled", "on_site")


def _tickets(ctx: EvalContext, extra: Q):
    from kam.service.models import Ticket

    qs = Ticket.objects.filter(extra).filter(Q(status__in=OPEN) | Q(reported_at__gte=ctx.since - dt.timedelta(days=7)))
    if ctx.customer_ids is not None:
        qs = qs.filter(customer_id__in=ctx.customer_ids)
    return qs.select_related("customer")


class TicketClock(Rule):
    escalation = "immediate"

    def owner(self, t) -> tuple[int | None, str]:
        return (t.technician_id, "") if t.technician_id else (None, "after_sales")

    def make(self, ctx, t, *, key, start, due, met_at, label, policy) -> Obligation | None:
        owner_id, owner_role = self.owner(t)
        if not owned_by(ctx, owner_id, owner_role) and not (ctx.owner_id and ctx.owner_id == t.customer.account_manager_id):
            return None
        state = clock_state(window_start=start, due_at=due, now=ctx.now, met_at=met_at,
                            due_soon_fraction=policy["alerts.due_soon_fraction"])
        return Obligation(rule=self.id, subject_type="ticket", subject_id=t.pk, customer_id=t.customer_id,
                          period_key=key, window_start=start, due_at=due, state=state, owner_id=owner_id,
                          owner_role=owner_role, escalation_role="head_of_sales", met_at=met_at,
                          label=f"{t.customer.name} · {t.number} · {label}", url=f"/service/tickets/{t.pk}/",
                          watchers=(t.customer.account_manager_id,) if t.customer.account_manager_id else (),
                          queue="after_sales")


class ResponseRule(TicketClock):
    """A11.1: first response within `service.response_hours` of the customer's report."""

    id = "A11.1"
    title = "售后首次响应"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        out = []
        for t in _tickets(ctx, Q()):
            policy = ctx.timeline.at(t.reported_at)
            clock = clocks.ClockSettings.of(policy, "service.clock_mode")
            hours = policy["service.response_hours"]
            due = clocks.due(t.reported_at, hours, clock)
            o = self.make(ctx, t, key=f"{int(t.reported_at.timestamp())}:response", start=t.reported_at, due=due,
                          met_at=t.responded_at, label=f"{hours} 小时内响应", policy=policy)
            if o is not None:
                out.append(o)
        return out


class OnSiteRule(TicketClock):
    """A11.2: on site within 24 h (same city as the company) or 48 h (other cities); paused time excluded."""

    id = "A11.2"
    title = "售后上门"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        from kam.service.models import TicketPause

        tickets = list(_tickets(ctx, Q(onsite_needed=True)))
        pauses: dict[int, list] = {}
        for tid, start, end in TicketPause.objects.filter(ticket__in=[t.pk for t in tickets]).values_list(
                "ticket_id", "started_at", "ended_at"):
            pauses.setdefault(tid, []).append((start, end))
        out = []
        for t in tickets:
            policy = ctx.timeline.at(t.reported_at)
            clock = clocks.ClockSettings.of(policy, "service.clock_mode")
            hours = clocks.onsite_hours(policy, t.site_city)
            due = clocks.onsite_due(t.reported_at, hours, pauses.get(t.pk, []), clock)
            if due is None:
                continue  # paused: the clock does not run
            o = self.make(ctx, t, key=f"{int(t.reported_at.timestamp())}:onsite", start=t.reported_at, due=due,
                          met_at=t.on_site_at, label=f"{hours.normalize()} 小时内上门（{t.site_city}）", policy=policy)
            if o is not None:
                out.append(o)
        return out


class CareRule(CadenceRule):
    """A11.3: maintenance guidance or usage training for each key account per period (after-sales)."""

    id = "A11.3"
    title = "保养指导与培训"
    label_by_tier = {"core": "保养指导/使用培训", "ordinary": "保养指导/使用培训"}
    escalation_role = "head_of_sales"

    def cadence(self, policy, tier: str) -> Cadence:
        return Cadence(int(policy["service.care.count"]), str(policy["service.care.period"]))

    def stored_period(self, values: dict, tier: str) -> str:
        return values["service.care.period"]

    def facts_queryset(self):
        from kam.service.models import CareSession

        return CareSession.objects.all()

    def owner(self, account) -> tuple[int | None, str]:
        return None, "after_sales"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        return [replace(o, queue="after_sales") for o in super().obligations(ctx)]


register(ResponseRule())
register(OnSiteRule())
register(CareRule())
