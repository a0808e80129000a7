"""The green channel on a customer's page: the header's open-tickets figure and the tickets of the activity
timeline (kam.customers.panels) — one query each, through this app's selectors, scoped to the user."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kam.customers.panels import Entry, Figure, entries_loader, subtotal
from kam.obligations.models import OPEN_STATES, StoredObligation
from kam.service.models import Ticket, TicketStatus
from kam.service.selectors import tickets

DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def ticket_values(*, user, customer, now: dt.datetime) -> dict:
    """Open tickets of the account and how many of them are past a clock (A11.1/A11.2) — subqueries."""
    # the row they are computed on is scoped to the user (load_figures); overdue: a ticket with an open clock
    # (A11.1/A11.2) past its due time, from the stored obligations (indexed by customer)
    late = StoredObligation.objects.filter(customer=customer, subject_type="ticket", live=True,
                                           state__in=OPEN_STATES, due_at__lt=now)
    return {"open": subtotal(Ticket.objects.filter(customer=customer).exclude(status__in=DONE), Count("id")),
            "overdue": subtotal(late, Count("subject_id", distinct=True))}


def ticket_figures(counts: dict, *, user, customer, now: dt.datetime) -> list[Figure]:
    open_n, overdue = counts["open"] or 0, counts["overdue"] or 0
    url = "/service/tickets/?" + urlencode({"customer": customer.name, "status": "open"})
    note = _("%(n)d 个已逾期") % {"n": overdue} if overdue else ""
    return [Figure("tickets", _("未完成工单"), open_n, note=note, url=url, tone="bad" if overdue else "", order=40)]


TICKET_FIELDS = ["number", "status", "reported_at", "problem", "created_by", "technician", "created_by__username",
                 "created_by__display_name", "technician__username", "technician__display_name"]


def ticket_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    qs = tickets(user=user).filter(customer=customer).select_related("created_by", "technician")
    if since is not None:
        qs = qs.filter(reported_at__gte=since)
    if until is not None:
        qs = qs.filter(reported_at__lt=until)
    if person is not None:
        qs = qs.filter(Q(created_by_id=person) | Q(technician_id=person))
    return qs.order_by("-reported_at", "-id")[:limit], TICKET_FIELDS


def ticket_entry(t: Ticket) -> Entry:
    who = t.created_by or t.technician
    title = _("售后工单 %(n)s · %(s)s") % {"n": t.number, "s": t.get_status_display()}
    return Entry("tickets", t.reported_at, title, t.problem[:120], person=str(who or ""),
                 person_id=who.pk if who else None, url=f"/service/tickets/{t.pk}/",
                 tone="" if t.status in DONE else "warn")


ticket_activity = entries_loader(ticket_query, ticket_entry)
