"""Request clocks on the engine (A15.1): first response and preliminary solution from receipt, in working
hours by default (G.3); a breach goes to the head of sales at once (G.5)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from kam.obligations.engine import EvalContext, Obligation, Rule, clock_state, owned_by, register
from kam.service import clocks


class RequestRule(Rule):
    """A15.1: first response within `requests.response_hours`, preliminary solution within
    `requests.solution_hours` of receipt."""

    id = "A15.1"
    title = "客户需求响应"
    escalation = "immediate"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        from kam.demands.models import CustomerRequest, RequestStatus

        qs = CustomerRequest.objects.filter(Q(closed_at__isnull=True) | Q(received_at__gte=ctx.since)).exclude(
            status=RequestStatus.CLOSED, closed_at__lt=ctx.since).select_related("customer")
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=ctx.customer_ids)
        out = []
        for r in qs:
            policy = ctx.timeline.at(r.received_at)
            clock = clocks.ClockSettings.of(policy, "requests.clock_mode")
            manager = r.customer.account_manager_id
            for part, setting, met_at, label in (
                    ("response", "requests.response_hours", r.responded_at, "首次响应"),
                    ("solution", "requests.solution_hours", r.solution_at, "初步方案")):
                hours = policy[setting]
                due = clocks.due(r.received_at, hours, clock)
                owner_id, owner_role, queue = manager, "", ""
                if part == "solution" and r.status == RequestStatus.ESCALATED:
                    owner_id, owner_role = None, "head_of_sales"  # to be assigned (A15.2)
                elif part == "solution" and r.assignee_id:
                    owner_id, queue = r.assignee_id, r.department
                if not (owned_by(ctx, owner_id, owner_role) or (ctx.owner_id and ctx.owner_id == manager)):
                    continue
                state = clock_state(window_start=r.received_at, due_at=due, now=ctx.now, met_at=met_at,
                                    due_soon_fraction=policy["alerts.due_soon_fraction"])
                out.append(Obligation(
                    rule=self.id, subject_type="request", subject_id=r.pk, customer_id=r.customer_id,
                    period_key=f"{int(r.received_at.timestamp())}:{part}", window_start=r.received_at, due_at=due,
                    state=state, owner_id=owner_id, owner_role=owner_role, escalation_role="head_of_sales",
                    met_at=met_at, label=f"{r.customer.name} · {r.get_kind_display()}需求 · {hours} 小时内{label}",
                    url=f"/requests/{r.pk}/", watchers=(manager,) if manager and manager != owner_id else (),
                    queue=queue))
        return out


register(RequestRule())
