"""The customer page's header figures and activity timeline, assembled from what each chapter registers in
kam.customers.panels (the dossier imports none of them), plus the dossier's own: its edits and confirmations
(A6.2 section stamps), the tier and designation history, the next obligation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from kam.customers.panels import (
    Entry,
    Figure,
    Timeline,
    activity_kinds,
    entries_loader,
    load_figures,
    timeline,
)
from kam.dossier.models import Section, SectionStamp
from kam.obligations.models import State
from kam.users.models import Role, User

PAGE = 50  # newest entries per page of the timeline ("更多" for the next)
OLDEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


STAMP_FIELDS = ["customer", "section", "at", "confirmed", "by", "by__username", "by__display_name"]


def dossier_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    """Dossier edits and "confirm unchanged" (A6.2), who and when — the section stamps."""
    qs = SectionStamp.objects.filter(customer=customer).select_related("by")
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if person is not None:
        qs = qs.filter(by_id=person)
    return qs.order_by("-at", "-id")[:limit], STAMP_FIELDS


def dossier_entry(s: SectionStamp) -> Entry:
    section = dict(Section.choices).get(s.section, s.section)
    title = (_("确认「%(s)s」无变化") if s.confirmed else _("更新了「%(s)s」")) % {"s": section}
    return Entry("dossier", s.at, title, person=str(s.by), person_id=s.by_id,
                 url=f"/customers/{s.customer_id}/#section-{s.section.replace('_', '-')}")


dossier_activity = entries_loader(dossier_query, dossier_entry)


def header_figures(*, user, customer, now: dt.datetime, obligations: list, designations: list,
                   tier_history: list) -> list[Figure]:
    """The figures people look for first: every registered chapter's (one query in all), then the dossier's own
    from what the page already loaded (no query): next obligation, tier and designation history."""
    figures = load_figures(user=user, customer=customer, now=now)
    breached = [o for o in obligations if o.state == State.BREACHED]
    upcoming = [o for o in obligations if o.state != State.BREACHED]
    nxt = upcoming[0] if upcoming else None
    figures.append(Figure(
        "next_obligation", _("下一项义务"),
        timezone.localtime(nxt.due_at).strftime("%m-%d %H:%M") if nxt else _("没有"),
        note=f"{nxt.rule} · {nxt.label.removeprefix(f'{customer.name} · ')}" if nxt else "",
        url="#section-obligations", tone="bad" if breached else ("warn" if nxt and nxt.state == State.DUE_SOON else ""),
        order=80))
    if breached:
        figures.append(Figure("breached", _("已逾期义务"), len(breached), note=", ".join(
            sorted({o.rule for o in breached})), url="#section-obligations", tone="bad", order=81))
    current = next((d for d in designations if d.ended_at is None or d.ended_at > now), None)
    if current is not None:
        since = timezone.localtime(tier_history[0].effective_at if tier_history else current.started_at)
        tier_value = current.get_tier_display()
        tier_note = _("自 %(d)s · 认定 %(n)d 次 · 层级变化 %(t)d 次") % {
            "d": since.strftime("%Y-%m-%d"), "n": len(designations), "t": len(tier_history)}
    else:
        tier_value = _("非大客户")
        last = designations[0] if designations else None
        tier_note = _("曾于 %(d)s 移出") % {"d": timezone.localtime(last.ended_at).strftime("%Y-%m-%d")} \
            if last is not None and last.ended_at else ""
    figures.append(Figure("tier", _("层级"), tier_value, note=tier_note, url="#section-designation", order=5))
    return sorted(figures, key=lambda f: f.order)


@dataclass
class TimelineView:
    """The timeline as a page shows it: the entries, the filters chosen and offered, the next page's link."""

    timeline: Timeline
    kind: str
    person: int | None
    kinds: list[tuple[str, str]]
    people: list[tuple[int, str]]
    query: str = ""  # the filters, for the "更多" link
    labels: dict[str, str] = field(default_factory=dict)


def people_queryset(*, customer):
    """Whom the timeline can be filtered by: the staff of the departments that work on every account and the
    account's own managers, present and past — not every account manager of the company (a list that grew with
    the staff: 1,300 options at scale)."""
    from kam.customers.models import AccountAssignment
    from kam.users.models import RoleGrant

    roles = [Role.HEAD_OF_SALES, Role.AFTER_SALES, Role.MARKETING, Role.FINANCE, Role.MANAGEMENT]
    staff = Q(pk__in=RoleGrant.objects.filter(role__in=roles).values("user_id")) | Q(
        pk__in=AccountAssignment.objects.filter(customer_id=customer.pk).values("manager_id"))
    if customer.account_manager_id:
        staff |= Q(pk=customer.account_manager_id)
    return User.objects.filter(staff, is_active=True).order_by("display_name", "username")


def people_choices(*, user: User, customer) -> list[tuple[int, str]]:
    """`people_queryset` as (id, name) choices. One query."""
    rows = people_queryset(customer=customer).values_list("id", "display_name", "username")
    return [(pk, display or username) for pk, display, username in rows]


def timeline_view(*, user, customer, params: QueryDict, size: int = PAGE,
                  people: list[tuple[int, str]] | None = None) -> TimelineView:
    """The timeline filtered as the request's parameters say (`kind`, `person`, `before`); values that are not
    among the offered ones are ignored, never sent to the database. `people`: the choices when already read."""
    kinds = [(a.kind, str(a.label)) for a in activity_kinds()]
    kind = params.get("kind", "")
    kind = kind if kind in dict(kinds) else ""
    people = people_choices(user=user, customer=customer) if people is None else people
    raw_person = params.get("person", "")
    person = int(raw_person) if raw_person.isdigit() and int(raw_person) in dict(people) else None
    before = None
    raw_before = params.get("before", "")[:40]
    if raw_before:
        try:
            before = parse_datetime(raw_before)
        except ValueError:
            before = None
        if before is not None and (timezone.is_naive(before) or not OLDEST <= before <= timezone.now() + dt.timedelta(
                days=3660)):
            before = None
    t = timeline(user=user, customer=customer, kinds=[kind] if kind else None, person=person, until=before, size=size)
    query = QueryDict(mutable=True)
    if kind:
        query["kind"] = kind
    if person is not None:
        query["person"] = str(person)
    return TimelineView(t, kind, person, kinds, people, query.urlencode(), dict(kinds))
