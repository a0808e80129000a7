"""Clock rules of engagement on the engine: A12.1 remote contact and A12.2 visit cadences per tier,
A8.1 decision-maker contact by the head of sales, A13.1 appointment confirmation, A13.2 visit record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, judge_each, register
from kam.obligations.kit import AccountSpan, CadenceRule
from kam.policy.schema import Cadence
from kam.users.models import Role


class ContactCadenceRule(CadenceRule):
    """A cadence of the account manager's own contacts (the manager now in charge of the account)."""

    kinds: tuple[str, ...] = ()
    depends_on = frozenset({"contact"})

    def facts_queryset(self):
        from kam.engagement.models import ContactLog

        return ContactLog.objects.filter(kind__in=self.kinds, author_id=F("customer__account_manager_id"))


class RemoteContactRule(ContactCadenceRule):
    """A12.1: a remote contact (phone, WeChat/WeCom; a visit counts too) per cadence of the tier."""

    id = "A12.1"
    title = "沟通频次"
    kinds = ("phone", "wechat", "visit")
    settings_by_tier = {"core": "cadence.core.remote", "ordinary": "cadence.ordinary.remote"}
    label_by_tier = {"core": "核心大客户远程沟通", "ordinary": "普通大客户远程沟通"}


class VisitCadenceRule(ContactCadenceRule):
    """A12.2: an on-site visit per cadence of the tier."""

    id = "A12.2"
    title = "拜访频次"
    kinds = ("visit",)
    settings_by_tier = {"core": "cadence.core.visit", "ordinary": "cadence.ordinary.visit"}
    label_by_tier = {"core": "核心大客户拜访", "ordinary": "普通大客户拜访"}


class DecisionMakerRule(CadenceRule):
    """A8.1: the head of sales contacts a decision maker of every core account each period."""

    id = "A8.1"
    title = "决策层沟通"
    tiers = ("core",)
    label_by_tier = {"core": "销售部负责人与决策层沟通"}
    escalation_role = Role.MANAGEMENT
    depends_on = frozenset({"contact"})

    def cadence(self, policy, tier: str) -> Cadence:
        return Cadence(int(policy["cadence.decision_maker.count"]), str(policy["cadence.decision_maker.period"]))

    def stored_period(self, values: dict, tier: str) -> str:
        return values["cadence.decision_maker.period"]

    def facts_queryset(self):
        from kam.engagement.models import ContactLog
        from kam.users.models import RoleGrant

        heads = RoleGrant.objects.filter(role=Role.HEAD_OF_SALES).values("user_id")
        return ContactLog.objects.filter(with_decision_maker=True, author_id__in=heads)

    def owner(self, account: AccountSpan) -> tuple[int | None, str]:
        return None, Role.HEAD_OF_SALES


register(RemoteContactRule())
register(VisitCadenceRule())
register(DecisionMakerRule())


@dataclass(frozen=True)
class VisitFacts:
    id: int
    customer_id: int
    customer_name: str
    owner_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    booked_at: dt.datetime
    confirmed_at: dt.datetime | None
    recorded_at: dt.datetime | None


def _identify(v: VisitFacts) -> tuple[str, int, int, str]:
    return "visit", v.id, v.customer_id, v.customer_name


def _visit_facts(qs) -> list[VisitFacts]:
    return [VisitFacts(v["id"], v["customer_id"], v["customer__name"], v["owner_id"], v["starts_at"], v["ends_at"],
                       v["booked_at"], v["confirmed_at"], v["recorded_at"])
            for v in qs.values("id", "customer_id", "customer__name", "owner_id", "starts_at", "ends_at",
                               "booked_at", "confirmed_at", "recorded_at")]


class VisitRecordRule(ClockRule):
    """A13.2: the record is entered within `visits.record_hours` hours after the visit ends."""

    id = "A13.2"
    title = "拜访记录"
    depends_on = frozenset({"visit"})

    def load(self, ctx: EvalContext) -> list[VisitFacts]:
        from kam.engagement.models import Visit, VisitStatus

        # recorded visits matter while their clock ended after `since`: ends_at + record_hours >= since,
        # with the longest record window any policy version set
        hours = [float(v[-1]["visits.record_hours"]) for v in (ctx.timeline.versions or ())] or [
            float(ctx.timeline.latest()["visits.record_hours"])]
        horizon = ctx.since - dt.timedelta(hours=max(hours))
        qs = Visit.objects.exclude(status=VisitStatus.CANCELLED).filter(ends_at__lte=ctx.now).filter(
            Q(recorded_at__isnull=True) | Q(ends_at__gte=horizon))
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=ctx.customer_ids)
        return _visit_facts(qs)

    def evaluate(self, facts: list[VisitFacts], *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts, lambda v: self.judge_visit(v, timeline, now), _identify, now=now)

    def judge_visit(self, v: VisitFacts, timeline, now: dt.datetime) -> list[Obligation]:
        if v.ends_at > now:
            return []
        policy = timeline.at(v.ends_at)
        due = v.ends_at + dt.timedelta(hours=float(policy["visits.record_hours"]))
        state = clock_state(window_start=v.ends_at, due_at=due, now=now, met_at=v.recorded_at,
                            due_soon_fraction=policy["alerts.due_soon_fraction"])
        return [Obligation(
            rule=self.id, subject_type="visit", subject_id=v.id, customer_id=v.customer_id,
            period_key=str(int(v.ends_at.timestamp())), window_start=v.ends_at, due_at=due, state=state,
            owner_id=v.owner_id, escalation_role=Role.HEAD_OF_SALES, met_at=v.recorded_at,
            label=f"{v.customer_name} · 拜访记录（{policy['visits.record_hours']} 小时内）",
            url=f"/engagement/visits/{v.id}/", customer_name=v.customer_name)]


register(VisitRecordRule())


@dataclass
class ConfirmFacts:
    visits: list[VisitFacts]
    calendar: Any  # the official working calendar (a WorkCalendar snapshot): is_working_day, span_is_provisional


def working_days_before(day: dt.date, n: int, calendar) -> dt.date:
    """The date n working days before `day` (A13.1 confirmation reminder)."""
    d = day
    while n > 0:
        d -= dt.timedelta(days=1)
        if calendar.is_working_day(d):
            n -= 1
    return d


class VisitConfirmRule(ClockRule):
    """A13.1: a visit booked further ahead is confirmed with the customer `visits.confirm_working_days_before`
    working days before it (the reminder starts then)."""

    id = "A13.1"
    title = "拜访确认"
    depends_on = frozenset({"visit"})

    def load(self, ctx: EvalContext) -> ConfirmFacts:
        from kam.calendar.workdays import work_calendar
        from kam.engagement.models import Visit, VisitStatus

        qs = Visit.objects.filter(status__in=[VisitStatus.BOOKED, VisitStatus.CONFIRMED], starts_at__gt=ctx.since)
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=ctx.customer_ids)
        return ConfirmFacts(visits=_visit_facts(qs), calendar=work_calendar())

    def evaluate(self, facts: ConfirmFacts, *, timeline, now: dt.datetime) -> list[Obligation]:
        return judge_each(self, facts.visits, lambda v: self.judge_visit(v, facts.calendar, timeline, now),
                          _identify, now=now)

    def judge_visit(self, v: VisitFacts, calendar, timeline, now: dt.datetime) -> list[Obligation]:
        policy = timeline.at(v.booked_at)
        visit_day = timezone.localtime(v.starts_at).date()
        remind_day = working_days_before(visit_day, int(policy["visits.confirm_working_days_before"]), calendar)
        remind_at = dt.datetime.combine(remind_day, dt.time(0), tzinfo=timezone.get_default_timezone())
        if v.booked_at >= remind_at:
            return []  # booked inside the window: nothing to confirm later
        state = clock_state(window_start=v.booked_at, due_at=v.starts_at, now=now, met_at=v.confirmed_at,
                            due_soon_fraction=policy["alerts.due_soon_fraction"], remind_at=remind_at)
        return [Obligation(
            rule=self.id, subject_type="visit", subject_id=v.id, customer_id=v.customer_id,
            period_key=str(int(v.starts_at.timestamp())), window_start=v.booked_at, due_at=v.starts_at,
            state=state, owner_id=v.owner_id, escalation_role=Role.HEAD_OF_SALES, met_at=v.confirmed_at,
            label=f"{v.customer_name} · 确认拜访预约", url=f"/engagement/visits/{v.id}/",
            customer_name=v.customer_name, provisional=calendar.span_is_provisional(remind_day, visit_day))]


register(VisitConfirmRule())
