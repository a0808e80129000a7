"""Occasions on the engine (A14.1): each occasion of a key account is listed `care.remind_days_before` days ahead
(due soon from then: on "my day", in the due-soon notice and the daily digest) for the account manager, and for
the head of sales too when it is a core account's decision maker's birthday; a care action recorded for it (a
greeting, a gift, or no action with a reason) meets it. Personal channels only: the rule has no queue and no
escalation, so a birthday never reaches a group robot."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from kam.care.occasion_facts import active_holidays, decision_makers_birthdays
from kam.care.occasions import (
    Birthday,
    CustomOccasion,
    Holiday,
    company_holidays,
    festivals,
    occasions_between,
)
from kam.obligations.engine import ClockRule, EvalContext, Obligation, clock_state, judge_each, register
from kam.obligations.kit import key_accounts, restrict
from kam.users.models import Role


@dataclass(frozen=True)
class AccountFacts:
    customer_id: int
    name: str
    manager_id: int | None
    tier: str | None
    founded_on: dt.date | None
    people: tuple[Birthday, ...] = ()
    custom: tuple[CustomOccasion, ...] = ()


@dataclass
class OccasionLoad:
    first: dt.date  # the earliest occasion day judged (the engine's window)
    accounts: list[AccountFacts]
    done: dict[tuple[int, str], dt.datetime] = field(default_factory=dict)  # (customer, key) → care action
    holidays: list[Holiday] = field(default_factory=list)  # the company's holiday list in force


def _local_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_default_timezone())


class OccasionRule(ClockRule):
    """A14.1: upcoming occasions listed `care.remind_days_before` days ahead; met by a care action."""

    id = "A14.1"
    title = "节日与重要日子关怀"
    #: care actions, added occasions and the holiday list (this app reflects A14.1 by name); founding dates and
    #: decision makers' birthdays are dossier edits
    depends_on = frozenset({"occasion", "dossier"})

    def load(self, ctx: EvalContext) -> OccasionLoad:
        from kam.care.models import AddedOccasion, CareAction
        from kam.customers.models import Contact, Customer

        accounts = {cid: a for cid, a in key_accounts(ctx).items()
                    if any(start <= ctx.now and (end is None or end > ctx.now) for start, end in a.spans)}
        if ctx.customer_ids is not None:
            accounts = {cid: a for cid, a in accounts.items() if cid in ctx.customer_ids}
        first = timezone.localtime(ctx.since).date()
        founded: dict[int, dt.date] = {}
        if accounts:
            companies = Customer.objects.exclude(founded_on=None)
            if ctx.customer_ids is not None or len(accounts) < 5000:
                companies = companies.filter(id__in=list(accounts))
            founded = dict(companies.values_list("id", "founded_on"))
        people: dict[int, list[Birthday]] = {}
        custom: dict[int, list[CustomOccasion]] = {}
        done: dict[tuple[int, str], dt.datetime] = {}
        if accounts:
            # birthdays are stored encrypted: decrypted in memory, never filtered on (A14.1)
            people = decision_makers_birthdays(restrict(Contact.objects.all(), ctx, accounts))
            for o in restrict(AddedOccasion.objects.filter(ended_at__isnull=True), ctx, accounts).values(
                    "id", "customer_id", "title", "on", "yearly", "contact_id"):
                custom.setdefault(o["customer_id"], []).append(CustomOccasion(o["id"], o["title"], o["on"],
                                                                               o["yearly"], o["contact_id"]))
            for a in restrict(CareAction.objects.filter(occasion_on__gte=first), ctx, accounts).values(
                    "customer_id", "key", "at"):
                done[(a["customer_id"], a["key"])] = a["at"]
        holidays = active_holidays()
        return OccasionLoad(first, [
            AccountFacts(cid, a.name, a.manager_id, a.tier_at(ctx.now), founded.get(cid),
                         tuple(people.get(cid, ())), tuple(custom.get(cid, ())))
            for cid, a in accounts.items()], done, holidays)

    def evaluate(self, facts: OccasionLoad, *, timeline, now: dt.datetime) -> list[Obligation]:
        policy = timeline.at(now)
        lead = int(policy["care.remind_days_before"])
        last = timezone.localtime(now).date() + dt.timedelta(days=lead)
        first = min(facts.first, last)
        holidays = festivals(first, last) + company_holidays(facts.holidays, first, last)
        return judge_each(self, facts.accounts,
                          lambda a: self.judge_account(a, facts, holidays, first, last, lead, policy, now),
                          lambda a: ("customer", a.customer_id, a.customer_id, a.name), now=now)

    def judge_account(self, a: AccountFacts, facts: OccasionLoad, holidays, first: dt.date, last: dt.date,
                      lead: int, policy, now: dt.datetime) -> list[Obligation]:
        out = []
        for o in occasions_between(first, last, founded_on=a.founded_on, people=a.people, custom=a.custom,
                                   festival_days=holidays):
            remind_at = _local_day_start(o.on - dt.timedelta(days=lead))
            due_at = _local_day_start(o.on + dt.timedelta(days=1)) - dt.timedelta(seconds=1)
            met_at = facts.done.get((a.customer_id, o.key))
            state = clock_state(window_start=remind_at, due_at=due_at, now=now, met_at=met_at,
                                due_soon_fraction=policy["alerts.due_soon_fraction"], remind_at=remind_at)
            common = {"rule": self.id, "subject_type": "customer", "subject_id": a.customer_id,
                      "customer_id": a.customer_id, "window_start": remind_at, "due_at": due_at, "state": state,
                      "met_at": met_at, "label": f"{a.name} · {o.title} {o.on:%m-%d}"[:300],
                      "url": f"/care/occasions/{a.customer_id}/{o.key}/", "customer_name": a.name}
            if a.manager_id:
                out.append(Obligation(period_key=o.key, owner_id=a.manager_id, **common))
            else:
                out.append(Obligation(period_key=o.key, owner_role=Role.HEAD_OF_SALES, **common))
            if a.manager_id and o.kind == "birthday" and a.tier == "core":
                # the head of sales also hears of a core account's decision maker's birthday (issue 14)
                out.append(Obligation(period_key=f"{o.key}:head", owner_role=Role.HEAD_OF_SALES, **common))
        return out


register(OccasionRule())
from kam.care import contract_clocks  # noqa: E402,F401  (A18.1, A18.2: commitments and contracts)
