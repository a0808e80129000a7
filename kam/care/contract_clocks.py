"""Commitments and contracts on the engine (A18.1, A18.2).

* A18.1 — a commitment waiting for its department's approval is due `commitments.approval_working_days` working
  days after it was registered (an operating setting): owned by the department (its queue), watched by the
  account manager (so it stands on "my day" until approved); past it the head of sales hears at once (one alert).
  An approved commitment with a due date is the department's obligation until it is recorded as kept; a missed
  one alerts the department (and its queue) and the account manager.
* A18.2 — a signed contract with an end date is listed `contracts.expiry_remind_days` days before it ends (an
  operating setting) for the account manager: due soon from then; met by a following contract of the account
  that is in force the day after (a renewal), or by the contract's early termination.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from kam.calendar.workdays import WorkCalendar, work_calendar
from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, judge_each, register
from kam.users.models import Role

#: the department of a commitment → the role that owns its clocks (A18.1, A4)
DEPARTMENT_ROLE = {"finance": Role.FINANCE, "after_sales": Role.AFTER_SALES, "marketing": Role.MARKETING}


def _local(day: dt.date, at: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, at, tzinfo=timezone.get_default_timezone())


def _end_of(day: dt.date) -> dt.datetime:
    return _local(day + dt.timedelta(days=1), dt.time(0)) - dt.timedelta(seconds=1)


@dataclass(frozen=True)
class CommitmentFacts:
    id: int
    customer_id: int
    customer_name: str
    manager_id: int | None
    kind_label: str
    department: str
    state: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    due_on: dt.date | None
    done_at: dt.datetime | None


@dataclass
class CommitmentLoad:
    approval_days: int
    calendar: WorkCalendar
    commitments: list[CommitmentFacts] = field(default_factory=list)


class CommitmentRule(ClockRule):
    """A18.1: the department approves in time; an approved commitment is kept by its due date."""

    id = "A18.1"
    title = "客户承诺审批与兑现"
    escalation = "immediate"
    depends_on = frozenset({"commitment"})

    def load(self, ctx: EvalContext) -> CommitmentLoad:
        from kam.care.models import Commitment, CommitmentKind, CommitmentState
        from kam.policy.operating import operating_value

        qs = Commitment.objects.filter(
            Q(state=CommitmentState.PENDING) | Q(decided_at__gte=ctx.since)
            | Q(state=CommitmentState.APPROVED, due_on__isnull=False)
            | Q(state=CommitmentState.DONE, due_on__isnull=False, done_at__gte=ctx.since))
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=list(ctx.customer_ids))
        kinds = dict(CommitmentKind.choices)
        rows = [CommitmentFacts(c["id"], c["customer_id"], c["customer__name"], c["customer__account_manager_id"],
                                str(kinds.get(c["kind"], c["kind"])), c["department"], c["state"], c["requested_at"],
                                c["decided_at"], c["due_on"], c["done_at"])
                for c in qs.values("id", "customer_id", "customer__name", "customer__account_manager_id", "kind",
                                   "department", "state", "requested_at", "decided_at", "due_on", "done_at")]
        return CommitmentLoad(int(operating_value("commitments.approval_working_days")), work_calendar(), rows)

    def evaluate(self, facts: CommitmentLoad, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.commitments, lambda c: self.judge(c, facts, timeline, now),
                          lambda c: ("commitment", c.id, c.customer_id, c.customer_name), now=now)

    def judge(self, c: CommitmentFacts, facts: CommitmentLoad, timeline, now: dt.datetime) -> list[Obligation]:
        policy = timeline.at(now)
        role = DEPARTMENT_ROLE.get(c.department, Role.HEAD_OF_SALES)
        common = {"rule": self.id, "subject_type": "commitment", "subject_id": c.id, "customer_id": c.customer_id,
                  "customer_name": c.customer_name, "url": f"/care/commitments/{c.id}/", "owner_role": role,
                  "queue": c.department, "watcher_id": c.manager_id}
        out = []
        # A18.1: approved (or refused) within `commitments.approval_working_days` working days of registration
        local = timezone.localtime(c.requested_at)
        approve_by = _local(facts.calendar.add_working_days(local.date(), facts.approval_days), local.time())
        met = c.decided_at if c.state != "pending" else None
        state = clock_state(window_start=c.requested_at, due_at=approve_by, now=now, met_at=met,
                            due_soon_fraction=policy["alerts.due_soon_fraction"])
        out.append(Obligation(period_key="approval", window_start=c.requested_at, due_at=approve_by, state=state,
                              met_at=met, escalation_role=Role.HEAD_OF_SALES,
                              label=f"{c.customer_name} · 承诺待审批：{c.kind_label}"[:300], **common))
        if c.due_on is not None and c.state in ("approved", "done") and c.decided_at is not None:
            # A18.1: the approved commitment is the department's obligation until kept; missed → department + AM
            due = _end_of(c.due_on)
            start = min(c.decided_at, due)
            state = clock_state(window_start=start, due_at=due, now=now, met_at=c.done_at,
                                due_soon_fraction=policy["alerts.due_soon_fraction"])
            out.append(Obligation(period_key="delivery", window_start=start, due_at=due, state=state,
                                  met_at=c.done_at, label=f"{c.customer_name} · 兑现承诺：{c.kind_label}"[:300],
                                  **common))
        return out


@dataclass(frozen=True)
class ContractFacts:
    id: int
    number: str
    customer_id: int
    customer_name: str
    manager_id: int | None
    end_on: dt.date


@dataclass
class ContractLoad:
    remind_days: int
    contracts: list[ContractFacts] = field(default_factory=list)
    #: per customer: (start_on, end_on, recorded at) of its signed contracts (to find a renewal)
    spans: dict[int, list[tuple[dt.date, dt.date | None, dt.datetime]]] = field(default_factory=dict)


class ContractExpiryRule(ClockRule):
    """A18.2: a contract ending within `contracts.expiry_remind_days` days is due soon for the account manager;
    a renewal in force the day after it ends meets it."""

    id = "A18.2"
    title = "合同到期提醒"
    depends_on = frozenset({"contract"})

    def load(self, ctx: EvalContext) -> ContractLoad:
        from kam.customers.models import Contract, ContractState
        from kam.policy.operating import operating_value

        first = timezone.localtime(ctx.since).date()
        qs = Contract.objects.filter(state=ContractState.SIGNED, end_on__gte=first)
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=list(ctx.customer_ids))
        rows = list(qs.values("id", "number", "customer_id", "customer__name", "customer__account_manager_id",
                              "start_on", "end_on", "created_at"))
        load = ContractLoad(int(operating_value("contracts.expiry_remind_days")))
        for r in rows:
            load.contracts.append(ContractFacts(r["id"], r["number"], r["customer_id"], r["customer__name"],
                                                r["customer__account_manager_id"], r["end_on"]))
            load.spans.setdefault(r["customer_id"], []).append((r["start_on"], r["end_on"], r["created_at"]))
        if rows:  # open-ended contracts (no end date) renew too
            for cid, start, created in Contract.objects.filter(
                    state=ContractState.SIGNED, end_on__isnull=True,
                    customer_id__in={r["customer_id"] for r in rows}).values_list("customer_id", "start_on",
                                                                                    "created_at"):
                load.spans.setdefault(cid, []).append((start, None, created))
        return load

    def evaluate(self, facts: ContractLoad, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.contracts, lambda c: self.judge(c, facts, now),
                          lambda c: ("contract", c.id, c.customer_id, c.customer_name), now=now)

    def judge(self, c: ContractFacts, facts: ContractLoad, now: dt.datetime) -> list[Obligation]:
        remind_at = _local(c.end_on - dt.timedelta(days=facts.remind_days), dt.time(0))
        due = _end_of(c.end_on)
        after = c.end_on + dt.timedelta(days=1)
        # a renewal: another signed contract of the account in force the day after this one ends (this one's
        # own span ends before that day, so it never renews itself)
        renewals = [created for start, end, created in facts.spans.get(c.customer_id, [])
                    if start <= after and (end is None or end >= after)]
        met = min(min(renewals), due) if renewals else None
        state = clock_state(window_start=remind_at, due_at=due, now=now, met_at=met, due_soon_fraction=0,
                            remind_at=remind_at)
        return [Obligation(rule=self.id, subject_type="contract", subject_id=c.id, customer_id=c.customer_id,
                           period_key=c.end_on.isoformat(), window_start=remind_at, due_at=due, state=state,
                           met_at=met, label=f"{c.customer_name} · 合同 {c.number} {c.end_on:%Y-%m-%d} 到期"[:300],
                           url=f"/care/contracts/{c.id}/", customer_name=c.customer_name, owner_id=c.manager_id,
                           owner_role="" if c.manager_id else Role.HEAD_OF_SALES)]


register(CommitmentRule())
register(ContractExpiryRule())
