"""Clock rules of engagement on the engine: A12.1 remote contact and A12.2 visit cadences per tier,
A8.1 decision-maker contact by the head of sales, A13.1 appointment confirmation, A13.2 visit record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F, Q

from kam.obligations.accounts import key_accounts, windowed_counts
from kam.obligations.engine import EvalContext, Obligation, Rule, clock_state, owned_by, register
from kam.obligations.periods import Period, periods_between
from kam.policy.schema import Cadence

HEAD_OF_SALES = "head_of_sales"
MANAGEMENT = "management"


class CadenceRule(Rule):
    """A contact cadence per tier over G.2 periods, judged under the version in force at each period's start
    (G.1) and the tier at that start (a tier change applies from the next period)."""

    kinds: tuple[str, ...] = ()
    settings_by_tier: dict[str, str] = {}
    label_by_tier: dict[str, str] = {}
    tiers: tuple[str, ...] = ("core", "ordinary")
    escalation_role = HEAD_OF_SALES

    def cadence(self, policy, tier: str) -> Cadence:
        return policy[self.settings_by_tier[tier]]

    def stored_period(self, values: dict, tier: str) -> str:
        """The period kind a stored (JSON) policy version uses for this tier."""
        return values[self.settings_by_tier[tier]]["period"]

    def facts_queryset(self):
        from kam.engagement.models import ContactLog

        # only the account manager's own contacts count (the manager now in charge of the account)
        return ContactLog.objects.filter(kind__in=self.kinds, author_id=F("customer__account_manager_id"))

    def owner(self, account) -> tuple[int | None, str]:
        return account.manager_id, ""

    def periods(self, ctx: EvalContext) -> list[Period]:
        """Every period (of any kind a policy version uses for these tiers) that overlaps [since, now]."""
        kinds = {self.stored_period(version[-1], tier) for version in (ctx.timeline.versions or ())
                 for tier in self.tiers}
        if not kinds:
            kinds = {self.cadence(ctx.timeline.latest(), tier).period for tier in self.tiers}
        periods = []
        for kind in sorted(kinds):
            periods.extend(p for p in periods_between(kind, ctx.since, ctx.now + dt.timedelta(microseconds=1))
                           if p.end > ctx.since)
        return periods

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        accounts = key_accounts(ctx)
        if ctx.owner_id is not None:
            accounts = {cid: a for cid, a in accounts.items() if owned_by(ctx, *self.owner(a))}
        if not accounts:
            return []
        periods = self.periods(ctx)
        qs = self.facts_queryset()
        if len(accounts) < 5000:
            qs = qs.filter(customer_id__in=list(accounts))
        counts = windowed_counts(qs, periods)
        out = []
        for cid, account in accounts.items():
            for p in periods:
                if not account.obligated(p, ctx.now):
                    continue
                tier = account.tier_at(p.start)
                if tier not in self.tiers:
                    continue
                policy = ctx.timeline.at(p.start)
                cadence = self.cadence(policy, tier)
                if cadence.period != p.kind:
                    continue
                n, first, last = counts.get(cid, {}).get(p.key, (0, None, None))
                met_at = (first if cadence.count == 1 else last) if n >= cadence.count else None
                state = clock_state(window_start=p.start, due_at=p.end, now=ctx.now, met_at=met_at,
                                    due_soon_fraction=policy["alerts.due_soon_fraction"])
                owner_id, owner_role = self.owner(account)
                out.append(Obligation(
                    rule=self.id, subject_type="customer", subject_id=cid, customer_id=cid, period_key=p.key,
                    window_start=p.start, due_at=p.end, state=state, owner_id=owner_id, owner_role=owner_role,
                    escalation_role=self.escalation_role, required=cadence.count, done=n, met_at=met_at,
                    label=f"{account.name} · {self.label_by_tier[tier]}", url=f"/customers/{cid}/"))
        return out


class RemoteContactRule(CadenceRule):
    """A12.1: a remote contact (phone, WeChat/WeCom; a visit counts too) per cadence of the tier."""

    id = "A12.1"
    title = "沟通频次"
    kinds = ("phone", "wechat", "visit")
    settings_by_tier = {"core": "cadence.core.remote", "ordinary": "cadence.ordinary.remote"}
    label_by_tier = {"core": "核心大客户远程沟通", "ordinary": "普通大客户远程沟通"}


class VisitCadenceRule(CadenceRule):
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
    escalation_role = MANAGEMENT

    def cadence(self, policy, tier: str) -> Cadence:
        return Cadence(int(policy["cadence.decision_maker.count"]), str(policy["cadence.decision_maker.period"]))

    def stored_period(self, values: dict, tier: str) -> str:
        return values["cadence.decision_maker.period"]

    def facts_queryset(self):
        from kam.engagement.models import ContactLog
        from kam.users.models import RoleGrant

        heads = RoleGrant.objects.filter(role=HEAD_OF_SALES).values("user_id")
        return ContactLog.objects.filter(with_decision_maker=True, author_id__in=heads)

    def owner(self, account) -> tuple[int | None, str]:
        return None, HEAD_OF_SALES


register(RemoteContactRule())
register(VisitCadenceRule())
register(DecisionMakerRule())


class VisitRecordRule(Rule):
    """A13.2: the record is entered within `visits.record_hours` hours after the visit ends."""

    id = "A13.2"
    title = "拜访记录"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
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
        if ctx.owner_id is not None:
            qs = qs.filter(owner_id=ctx.owner_id)
        out = []
        for v in qs.values("id", "customer_id", "customer__name", "owner_id", "ends_at", "recorded_at"):
            policy = ctx.timeline.at(v["ends_at"])
            due = v["ends_at"] + dt.timedelta(hours=float(policy["visits.record_hours"]))
            state = clock_state(window_start=v["ends_at"], due_at=due, now=ctx.now, met_at=v["recorded_at"],
                                due_soon_fraction=policy["alerts.due_soon_fraction"])
            out.append(Obligation(
                rule=self.id, subject_type="visit", subject_id=v["id"], customer_id=v["customer_id"],
                period_key=str(int(v["ends_at"].timestamp())), window_start=v["ends_at"], due_at=due, state=state,
                owner_id=v["owner_id"], escalation_role=HEAD_OF_SALES, met_at=v["recorded_at"],
                label=f"{v['customer__name']} · 拜访记录（{policy['visits.record_hours']} 小时内）",
                url=f"/engagement/visits/{v['id']}/"))
        return out


register(VisitRecordRule())


def working_days_before(day: dt.date, n: int) -> dt.date:
    """The date n working days before `day` (A13.1 confirmation reminder)."""
    from kam.calendar.workdays import is_working_day

    d = day
    while n > 0:
        d -= dt.timedelta(days=1)
        if is_working_day(d):
            n -= 1
    return d


class VisitConfirmRule(Rule):
    """A13.1: a visit booked further ahead is confirmed with the customer `visits.confirm_working_days_before`
    working days before it (the reminder starts then)."""

    id = "A13.1"
    title = "拜访确认"

    def obligations(self, ctx: EvalContext) -> Iterable[Obligation]:
        from django.utils import timezone

        from kam.engagement.models import Visit, VisitStatus

        qs = Visit.objects.filter(status__in=[VisitStatus.BOOKED, VisitStatus.CONFIRMED], starts_at__gt=ctx.since)
        if ctx.customer_ids is not None:
            qs = qs.filter(customer_id__in=ctx.customer_ids)
        if ctx.owner_id is not None:
            qs = qs.filter(owner_id=ctx.owner_id)
        out = []
        for v in qs.values("id", "customer_id", "customer__name", "owner_id", "starts_at", "booked_at", "confirmed_at"):
            policy = ctx.timeline.at(v["booked_at"])
            visit_day = timezone.localtime(v["starts_at"]).date()
            remind_day = working_days_before(visit_day, int(policy["visits.confirm_working_days_before"]))
            remind_at = dt.datetime.combine(remind_day, dt.time(0), tzinfo=timezone.get_default_timezone())
            if v["booked_at"] >= remind_at:
                continue  # booked inside the window: nothing to confirm later
            state = clock_state(window_start=v["booked_at"], due_at=v["starts_at"], now=ctx.now,
                                met_at=v["confirmed_at"], due_soon_fraction=policy["alerts.due_soon_fraction"],
                                remind_at=remind_at)
            out.append(Obligation(
                rule=self.id, subject_type="visit", subject_id=v["id"], customer_id=v["customer_id"],
                period_key=str(int(v["starts_at"].timestamp())), window_start=v["booked_at"], due_at=v["starts_at"],
                state=state, owner_id=v["owner_id"], escalation_role=HEAD_OF_SALES, met_at=v["confirmed_at"],
                label=f"{v['customer__name']} · 确认拜访预约", url=f"/engagement/visits/{v['id']}/"))
        return out


register(VisitConfirmRule())
