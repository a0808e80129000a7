"""Request clocks on the engine (A15.1): first response and preliminary solution from receipt, in working
hours by default (G.3); a breach goes to the head of sales at once (G.5)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q

from kam.calendar.workdays import WorkCalendar, work_calendar
from kam.obligations import hours
from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, judge_each, register
from kam.users.models import Role


@dataclass(frozen=True)
class RequestFacts:
    id: int
    customer_id: int
    customer_name: str
    account_manager_id: int | None
    kind_label: str
    status: str
    received_at: dt.datetime
    responded_at: dt.datetime | None
    solution_at: dt.datetime | None
    assignee_id: int | None
    department: str


@dataclass
class RequestLoad:
    requests: list[RequestFacts]
    calendar: WorkCalendar  # the official working calendar (G.3), a snapshot


class RequestRule(ClockRule):
    """A15.1: first response within `requests.response_hours`, preliminary solution within
    `requests.solution_hours` of receipt."""

    id = "A15.1"
    title = "客户需求响应"
    escalation = "immediate"
    depends_on = frozenset({"request"})

    def load(self, ctx: EvalContext) -> RequestLoad:
        from kam.demands.models import CustomerRequest, RequestKind, RequestStatus

        qs = CustomerRequest.objects.filter(Q(closed_at__isnull=True) | Q(received_at__gte=ctx.since)).exclude(
            status=RequestStatus.CLOSED, closed_at__lt=ctx.since)
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=ctx.customer_ids)
        kinds = dict(RequestKind.choices)
        return RequestLoad([
            RequestFacts(r["id"], r["customer_id"], r["customer__name"], r["customer__account_manager_id"],
                         str(kinds.get(r["kind"], r["kind"])), r["status"], r["received_at"], r["responded_at"],
                         r["solution_at"], r["assignee_id"], r["department"])
            for r in qs.values("id", "customer_id", "customer__name", "customer__account_manager_id", "kind",
                               "status", "received_at", "responded_at", "solution_at", "assignee_id", "department")],
            work_calendar())

    def evaluate(self, facts: RequestLoad, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.requests, lambda r: self.judge_request(r, facts.calendar, timeline, now),
                          lambda r: ("request", r.id, r.customer_id, r.customer_name), now=now)

    def judge_request(self, r: RequestFacts, calendar, timeline, now: dt.datetime) -> list[Obligation]:
        out = []
        policy = timeline.at(r.received_at)
        clock = hours.ClockSettings.of(policy, "requests.clock_mode")
        manager = r.account_manager_id
        for part, setting, met_at, label in (
                ("response", "requests.response_hours", r.responded_at, "首次响应"),
                ("solution", "requests.solution_hours", r.solution_at, "初步方案")):
            n = policy[setting]
            due = hours.due(r.received_at, n, clock, calendar)
            owner_id, owner_role, queue = manager, "", ""
            if part == "solution" and r.status == "escalated":
                owner_id, owner_role = None, Role.HEAD_OF_SALES  # to be assigned (A15.2)
            elif part == "solution" and r.assignee_id:
                owner_id, queue = r.assignee_id, r.department
            state = clock_state(window_start=r.received_at, due_at=due, now=now, met_at=met_at,
                                due_soon_fraction=policy["alerts.due_soon_fraction"])
            out.append(Obligation(
                rule=self.id, subject_type="request", subject_id=r.id, customer_id=r.customer_id,
                period_key=f"{int(r.received_at.timestamp())}:{part}", window_start=r.received_at, due_at=due,
                state=state, owner_id=owner_id, owner_role=owner_role, escalation_role=Role.HEAD_OF_SALES,
                met_at=met_at, label=f"{r.customer_name} · {r.kind_label}需求 · {n} 小时内{label}",
                url=f"/requests/{r.id}/", watcher_id=manager if manager and manager != owner_id else None,
                queue=queue, customer_name=r.customer_name,
                provisional=hours.provisional(r.received_at, due, clock, calendar)))
        return out


register(RequestRule())
