"""Reads of occasions for the calendar, its ICS feed, the daily digest, "my day" and the head of sales' monthly
overview (A14.1), scoped to the user: occasions name an account's people and their birthdays (personal data), so
only the giver's chain sees them — the account manager their own accounts; the head of sales and management every
account (`everyone`), and in their own calendar the head of sales what is theirs to act on (core accounts' decision
makers' birthdays, accounts without a manager). Set-based: a handful of queries whatever the number of accounts."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from kam.care.occasion_facts import active_holidays, customs_line, customs_of, decision_makers_birthdays
from kam.care.occasions import CustomOccasion, company_holidays, festivals, occasions_between
from kam.care.selectors import ALL_GIFTS_ROLES, may_see_occasions
from kam.customers.models import Contact
from kam.users.models import Role, User

#: the states of an occasion in the overview
DONE_KINDS = ("greeting", "gift", "none")


@dataclass
class OccasionRow:
    customer_id: int
    customer_name: str
    manager_id: int | None
    manager_name: str
    tier: str | None
    key: str
    kind: str  # festival | anniversary | birthday | custom
    on: dt.date
    title: str
    contact_id: int | None = None
    customs: str = ""
    action: object | None = None  # the CareAction recorded
    state: str = "open"  # open | missed | greeting | gift | none
    linked: bool = False  # its page exists: listed now (reminder lead) or in the recording window

    @property
    def url(self) -> str:
        return f"/care/occasions/{self.customer_id}/{self.key}/" if self.linked else ""


def page_window(now: dt.datetime | None = None) -> tuple[dt.date, dt.date]:
    """The days whose occasions have a page (kam.care.services.occasion_find): listed `care.remind_days_before`
    days ahead, a care action recorded up to two months after."""
    from kam.care.services import ACTION_LOOKBACK_DAYS
    from kam.policy.selectors import policy_in_force

    now = now or timezone.now()
    today = timezone.localtime(now).date()
    lead = int(policy_in_force(at=now)["care.remind_days_before"])
    return today - dt.timedelta(days=ACTION_LOOKBACK_DAYS), today + dt.timedelta(days=lead)


class Rows(list):
    """Computed rows that the shared list component can sort (`order_by`) and page."""

    def order_by(self, *fields: str) -> Rows:
        out = Rows(self)
        for name in reversed([f for f in fields if f]):
            attr = name.lstrip("-")
            out.sort(key=lambda r, a=attr: (getattr(r, a) is None, getattr(r, a) or ""),
                     reverse=name.startswith("-"))
        return out


def _accounts(*, user: User, everyone: bool):
    """(key accounts whose occasions the user sees, whether the head-of-sales share applies)."""
    from kam.qualification.selectors import key_accounts

    if not may_see_occasions(user):
        return [], False
    qs = key_accounts(user=user)
    if everyone and user.has_role(*ALL_GIFTS_ROLES):
        return list(qs), False
    if user.has_role(Role.HEAD_OF_SALES):
        # A14.1: the head of sales' own: accounts without a manager, core accounts' decision makers' birthdays
        return list(qs.filter(Q(account_manager=user) | Q(account_manager__isnull=True) | Q(tier="core"))), True
    return list(qs.filter(account_manager=user)), False


def occasions_for(*, user: User, first: dt.date, last: dt.date, everyone: bool = False) -> Rows:
    """A14.1: the occasions in [first, last] of the key accounts the user sees, with the customs notes and the care
    actions recorded — at most eight queries, whatever the number of accounts."""
    from kam.care.models import AddedOccasion, CareAction

    accounts, head_share = _accounts(user=user, everyone=everyone)
    if not accounts:
        return Rows()
    ids = [c.pk for c in accounts]
    people = decision_makers_birthdays(Contact.objects.filter(customer_id__in=ids))
    custom: dict[int, list[CustomOccasion]] = {}
    for added in AddedOccasion.objects.filter(customer_id__in=ids, ended_at__isnull=True).values(
            "id", "customer_id", "title", "on", "yearly", "contact_id"):
        custom.setdefault(added["customer_id"], []).append(CustomOccasion(
            added["id"], added["title"], added["on"], added["yearly"], added["contact_id"]))
    shared = festivals(first, last) + company_holidays(active_holidays(), first, last)
    rows = Rows()
    for c in accounts:
        theirs = not head_share or c.account_manager_id in (user.pk, None)
        for o in occasions_between(first, last, founded_on=c.founded_on, people=people.get(c.pk, ()),
                                   custom=custom.get(c.pk, ()), festival_days=shared):
            if not theirs and not (o.kind == "birthday" and c.tier == "core"):
                continue
            rows.append(OccasionRow(c.pk, c.name, c.account_manager_id,
                                    str(c.account_manager) if c.account_manager_id else "", c.tier, o.key, o.kind,
                                    o.on, o.title, o.contact_id))
    # what was done: the records of these accounts in the period (a record whose occasion is no longer computed —
    # a holiday made inactive — still counts)
    by_key = {(r.customer_id, r.key): r for r in rows}
    names = {c.pk: c for c in accounts}
    for a in CareAction.objects.filter(customer_id__in=ids, occasion_on__gte=first, occasion_on__lte=last
                                       ).select_related("by", "gift"):
        row = by_key.get((a.customer_id, a.key))
        if row is None:
            if head_share and not (names[a.customer_id].account_manager_id in (user.pk, None)
                                   or (a.key.startswith("bday-") and names[a.customer_id].tier == "core")):
                continue
            c = names[a.customer_id]
            row = OccasionRow(c.pk, c.name, c.account_manager_id, str(c.account_manager) if c.account_manager_id
                              else "", c.tier, a.key, a.key.split("-")[0], a.occasion_on, a.title, a.contact_id)
            rows.append(row)
        row.action, row.state = a, a.kind
    today = timezone.localdate()
    open_from, open_to = page_window()
    for r in rows:
        if r.action is None:
            r.state = "missed" if r.on < today else "open"
        r.linked = open_from <= r.on <= open_to
    notes = customs_of(customer_ids=ids, contact_ids=[r.contact_id for r in rows])
    for r in rows:
        r.customs = customs_line(notes[0].get(r.customer_id, ""), notes[1].get(r.contact_id or 0, ""))
    rows.sort(key=lambda r: (r.on, r.customer_name, r.key))
    return rows


# --- the engine's rows (my day, the digest) ---------------------------------------------------------------------

_BDAY = re.compile(r"^bday-(\d+)-")


def obligation_notes(rows: list) -> dict[int, str]:
    """A14.1 on "my day": the customs (礼仪与忌讳) beside each occasion — the account's, and the person's for a
    birthday (two queries for all rows)."""
    contact_of = {o.pk: int(m.group(1)) for o in rows if (m := _BDAY.match(o.period_key or ""))}
    accounts, people = customs_of(customer_ids={o.customer_id for o in rows if o.customer_id},
                                  contact_ids=contact_of.values())
    out = {}
    for o in rows:
        line = customs_line(accounts.get(o.customer_id, ""), people.get(contact_of.get(o.pk, 0), ""))
        if line:
            out[o.pk] = f"礼仪与忌讳：{line}"
    return out


def digest_lines(*, user: User, roles: set[str], now: dt.datetime) -> list[str]:
    """A14.1 in the daily digest (G.5): this person's occasions listed now and not yet cared for, each with the
    customs — the account manager's own, and the head of sales' (core accounts' decision makers' birthdays,
    accounts without a manager). Sent to the person only, never to a group robot."""
    from kam.obligations.models import State, StoredObligation

    if not may_see_occasions(user):
        return []
    rows = list(StoredObligation.objects.filter(
        Q(owner=user) | Q(owner__isnull=True, owner_role__in=roles), rule="A14.1", live=True,
        state__in=[State.UPCOMING, State.DUE_SOON], window_start__lte=now).order_by("due_at", "id")[:30])
    notes = obligation_notes(rows)
    return [f"· {timezone.localtime(o.due_at):%m-%d} {o.label}" + (f"（{notes[o.pk]}）" if o.pk in notes else "")
            for o in rows]


def calendar_entries(*, user: User, first: dt.date, last: dt.date, everyone: bool = False) -> list:
    """A14.1 on the visit calendar and in its ICS feed (kam.calendar.entries)."""
    from kam.calendar.entries import CalendarEntry

    out = []
    for r in occasions_for(user=user, first=first, last=last, everyone=everyone):
        note = f"礼仪与忌讳：{r.customs}" if r.customs else ""
        out.append(CalendarEntry(f"occasion-{r.customer_id}-{r.key}", r.on, f"{r.title} · {r.customer_name}",
                                 r.url, note, "occasion"))
    return out


@dataclass
class Customs:
    """A14.1: what the dossier knows of an account's and its people's customs (礼仪与忌讳)."""

    account: str
    people: list[tuple[str, str]]  # (name, note)

    def __bool__(self) -> bool:
        return bool(self.account or self.people)


def customs_for(*, customer, contact_ids=None) -> Customs:
    """The account's note (already on the row) and its people's (one query; `contact_ids`: only these)."""
    people = Contact.objects.filter(customer=customer, anonymised_at__isnull=True).exclude(customs_note="")
    if contact_ids is not None:
        people = people.filter(pk__in=[c for c in contact_ids if c])
    return Customs(customer.pref_customs.strip(),
                   [(n, note) for n, note in people.order_by("-is_decision_maker", "name").values_list(
                       "name", "customs_note")])
