"""Green-channel clocks on the engine: A11.1 first response and A11.2 on site (hour clocks, G.3, breach
escalated at once, G.5) and A11.3 care sessions per key account (a period clock)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q

from kam.calendar.workdays import WorkCalendar, work_calendar
from kam.obligations import hours
from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, judge_each, register
from kam.obligations.kit import CadenceRule
from kam.policy.schema import Cadence
from kam.users.models import Role

OPEN = ("new", "responded", "scheduled", "on_site")


@dataclass(frozen=True)
class TicketFacts:
    id: int
    number: str
    customer_id: int
    customer_name: str
    account_manager_id: int | None
    technician_id: int | None
    reported_at: dt.datetime
    responded_at: dt.datetime | None
    on_site_at: dt.datetime | None
    onsite_needed: bool
    site_city: str
    pauses: tuple[tuple[dt.datetime, dt.datetime | None], ...] = field(default=())


@dataclass
class TicketLoad:
    tickets: list[TicketFacts]
    calendar: WorkCalendar  # the official working calendar (G.3), a snapshot


def load_tickets(ctx: EvalContext, *, onsite_only: bool = False) -> TicketLoad:
    from kam.service.models import Ticket, TicketPause

    qs = Ticket.objects.filter(Q(status__in=OPEN) | Q(reported_at__gte=ctx.since - dt.timedelta(days=7)))
    if onsite_only:
        qs = qs.filter(onsite_needed=True)
    if ctx.customer_ids is not None:
        qs = qs.filter(customer_id__in=ctx.customer_ids)
    rows = list(qs.values("id", "number", "customer_id", "customer__name", "customer__account_manager_id",
                          "technician_id", "reported_at", "responded_at", "on_site_at", "onsite_needed", "site_city"))
    pauses: dict[int, list] = {}
    if onsite_only and rows:
        for tid, start, end in TicketPause.objects.filter(ticket__in=[r["id"] for r in rows]).values_list(
                "ticket_id", "started_at", "ended_at"):
            pauses.setdefault(tid, []).append((start, end))
    return TicketLoad([TicketFacts(r["id"], r["number"], r["customer_id"], r["customer__name"],
                                   r["customer__account_manager_id"], r["technician_id"], r["reported_at"],
                                   r["responded_at"], r["on_site_at"], r["onsite_needed"], r["site_city"],
                                   tuple(pauses.get(r["id"], ()))) for r in rows], work_calendar())


def _identify(t: TicketFacts) -> tuple[str, int, int, str]:
    return "ticket", t.id, t.customer_id, f"{t.customer_name} · {t.number}"


class TicketClock(ClockRule):
    escalation = "immediate"
    depends_on = frozenset({"ticket"})

    def make(self, t: TicketFacts, *, now, key, start, due, met_at, label, policy, provisional=False) -> Obligation:
        owner_id, owner_role = (t.technician_id, "") if t.technician_id else (None, Role.AFTER_SALES)
        state = clock_state(window_start=start, due_at=due, now=now, met_at=met_at,
                            due_soon_fraction=policy["alerts.due_soon_fraction"])
        return Obligation(rule=self.id, subject_type="ticket", subject_id=t.id, customer_id=t.customer_id,
                          period_key=key, window_start=start, due_at=due, state=state, owner_id=owner_id,
                          owner_role=owner_role, escalation_role=Role.HEAD_OF_SALES, met_at=met_at,
                          label=f"{t.customer_name} · {t.number} · {label}", url=f"/service/tickets/{t.id}/",
                          watcher_id=t.account_manager_id, queue="after_sales", customer_name=t.customer_name,
                          provisional=provisional)


class ResponseRule(TicketClock):
    """A11.1: first response within `service.response_hours` of the customer's report."""

    id = "A11.1"
    title = "售后首次响应"

    def load(self, ctx: EvalContext) -> TicketLoad:
        return load_tickets(ctx)

    def evaluate(self, facts: TicketLoad, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.tickets, lambda t: self.judge_ticket(t, facts.calendar, timeline, now),
                          _identify, now=now)

    def judge_ticket(self, t: TicketFacts, calendar, timeline, now: dt.datetime) -> list[Obligation]:
        policy = timeline.at(t.reported_at)
        clock = hours.ClockSettings.of(policy, "service.clock_mode")
        n = policy["service.response_hours"]
        due = hours.due(t.reported_at, n, clock, calendar)
        return [self.make(t, now=now, key=f"{int(t.reported_at.timestamp())}:response", start=t.reported_at, due=due,
                          met_at=t.responded_at, label=f"{n} 小时内响应", policy=policy,
                          provisional=hours.provisional(t.reported_at, due, clock, calendar))]


class OnSiteRule(TicketClock):
    """A11.2: on site within 24 h (same city as the company) or 48 h (other cities); paused time excluded."""

    id = "A11.2"
    title = "售后上门"

    def load(self, ctx: EvalContext) -> TicketLoad:
        return load_tickets(ctx, onsite_only=True)

    def evaluate(self, facts: TicketLoad, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.tickets, lambda t: self.judge_ticket(t, facts.calendar, timeline, now),
                          _identify, now=now)

    def judge_ticket(self, t: TicketFacts, calendar, timeline, now: dt.datetime) -> list[Obligation]:
        if not t.onsite_needed:
            return []
        policy = timeline.at(t.reported_at)
        clock = hours.ClockSettings.of(policy, "service.clock_mode")
        n: Decimal = hours.onsite_hours(policy, t.site_city)
        due = hours.onsite_due(t.reported_at, n, t.pauses, clock, calendar)
        if due is None:
            return []  # paused: the clock does not run
        return [self.make(t, now=now, key=f"{int(t.reported_at.timestamp())}:onsite", start=t.reported_at, due=due,
                          met_at=t.on_site_at, label=f"{n.normalize()} 小时内上门（{t.site_city}）", policy=policy,
                          provisional=hours.provisional(t.reported_at, due, clock, calendar))]


class CareRule(CadenceRule):
    """A11.3: maintenance guidance or usage training for each key account per period (after-sales)."""

    id = "A11.3"
    title = "保养指导与培训"
    label_by_tier = {"core": "保养指导/使用培训", "ordinary": "保养指导/使用培训"}
    escalation_role = Role.HEAD_OF_SALES
    queue = "after_sales"
    depends_on = frozenset({"care"})

    def cadence(self, policy, tier: str) -> Cadence:
        return Cadence(int(policy["service.care.count"]), str(policy["service.care.period"]))

    def stored_period(self, values: dict, tier: str) -> str:
        return values["service.care.period"]

    def facts_queryset(self):
        from kam.service.models import CareSession

        return CareSession.objects.all()

    def owner(self, account) -> tuple[int | None, str]:
        return None, Role.AFTER_SALES


register(ResponseRule())
register(OnSiteRule())
register(CareRule())
