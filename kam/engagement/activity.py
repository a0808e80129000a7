"""Contacts and visits on a customer's page: the header's last-contact and last/next-visit figures and the
contacts and visits of the activity timeline (kam.customers.panels) — one query each, scoped to the user."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.customers.panels import Entry, Figure, entries_loader
from kam.engagement.models import ContactLog, Visit, VisitStatus
from kam.engagement.selectors import contact_logs, visits


def _ago(value: dt.datetime, now: dt.datetime) -> str:
    days = (timezone.localdate(now) - timezone.localdate(value)).days
    if days == 0:
        return _("今天")
    return _("%(n)d 天前") % {"n": days} if days > 0 else _("%(n)d 天后") % {"n": -days}


def _date(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d")


def engagement_values(*, user, customer, now: dt.datetime) -> dict:
    """The last contact, the last visit and the next booked one (A12.1, A12.2) — subqueries of the customer's
    row."""
    logs = ContactLog.objects.filter(customer=OuterRef("pk")).order_by("-at", "-id")
    done = Visit.objects.filter(customer=OuterRef("pk"), status=VisitStatus.DONE).order_by("-starts_at", "-id")
    coming = Visit.objects.filter(customer=OuterRef("pk"), starts_at__gte=now, status__in=[
        VisitStatus.BOOKED, VisitStatus.CONFIRMED]).order_by("starts_at", "id")
    return {"last_contact": Subquery(logs.values("at")[:1]), "last_kind": Subquery(logs.values("kind")[:1]),
            "last_visit": Subquery(done.values("starts_at")[:1]),
            "next_visit": Subquery(coming.values("starts_at")[:1])}


def engagement_figures(row: dict, *, user, customer, now: dt.datetime) -> list[Figure]:
    kinds = dict(ContactLog._meta.get_field("kind").choices or [])
    contact, visit, upcoming = row.get("last_contact"), row.get("last_visit"), row.get("next_visit")
    query = urlencode({"customer": customer.name})
    visit_note = _date(visit) if visit else ""
    if upcoming:
        visit_note += (" · " if visit_note else "") + _("下次 %(d)s") % {
            "d": timezone.localtime(upcoming).strftime("%m-%d %H:%M")}
    return [
        Figure("last_contact", _("最近沟通"), _ago(contact, now) if contact else _("没有记录"),
               note=f"{_date(contact)} · {kinds.get(row.get('last_kind'), '')}" if contact else "",
               url=f"/engagement/contacts/?{query}", tone="" if contact else "warn", order=60),
        Figure("last_visit", _("最近拜访"), _ago(visit, now) if visit else _("没有记录"), note=visit_note,
               url=f"/engagement/visits/?{query}", tone="" if visit else "warn", order=70),
    ]


def _window(qs, field: str, since, until):
    if since is not None:
        qs = qs.filter(**{f"{field}__gte": since})
    if until is not None:
        qs = qs.filter(**{f"{field}__lt": until})
    return qs


CONTACT_FIELDS = ["at", "kind", "topic", "with_decision_maker", "summary", "next_step", "author", "author__username",
                  "author__display_name"]


def contact_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    """Contact logs — not a visit's own log: the visit is its own entry, its record shown once."""
    # "no visit" as an expression, not `visit IS NULL`: SQLite would answer that from the unique visit index
    # (two million NULLs at scale: a second per page) instead of the customer's (customer, at) index
    qs = _window(contact_logs(user=user, customer_id=customer.pk).annotate(
        own_visit=Coalesce("visit_id", Value(0))).filter(own_visit=0), "at", since, until)
    if person is not None:
        qs = qs.filter(author_id=person)
    return qs.order_by("-at", "-id")[:limit], CONTACT_FIELDS


def contact_entry(c: ContactLog) -> Entry:
    title = _("%(k)s沟通 · %(t)s") % {"k": c.get_kind_display(), "t": c.get_topic_display()}
    if c.with_decision_maker:
        title += _(" · 决策层")
    text = c.summary[:160] + (_("（下一步：%(s)s）") % {"s": c.next_step[:60]} if c.next_step else "")
    return Entry("contacts", c.at, title, text, person=str(c.author), person_id=c.author_id)


VISIT_FIELDS = ["starts_at", "status", "purpose", "purchase_plans", "usage_problems", "suggestions", "cancel_reason",
                "owner", "owner__username", "owner__display_name"]


def visit_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    qs = _window(visits(user=user).filter(customer=customer), "starts_at", since, until)
    if person is not None:
        qs = qs.filter(owner_id=person)
    return qs.order_by("-starts_at", "-id")[:limit], VISIT_FIELDS


def visit_entry(v: Visit) -> Entry:
    title = _("拜访 · %(s)s") % {"s": v.get_status_display()}
    text = v.purpose
    if v.status == VisitStatus.DONE:
        text += "｜" + _("采购计划：%(p)s；使用问题：%(u)s；建议：%(s)s") % {
            "p": v.purchase_plans[:80].rstrip("。；"), "u": v.usage_problems[:60].rstrip("。；"),
            "s": v.suggestions[:60].rstrip("。；")}
    elif v.status == VisitStatus.CANCELLED:
        text += "｜" + _("取消原因：%(r)s") % {"r": v.cancel_reason}
    return Entry("visits", v.starts_at, title, text, person=str(v.owner), person_id=v.owner_id,
                 url=f"/engagement/visits/{v.pk}/", tone="" if v.status != VisitStatus.CANCELLED else "muted")


contact_activity = entries_loader(contact_query, contact_entry)
visit_activity = entries_loader(visit_query, visit_entry)
