"""Requests on a customer's page: the header's open-requests figure and the requests of the activity timeline
(kam.customers.panels) — one query each, through this app's selectors, scoped to the user."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kam.customers.panels import Entry, Figure, entries_loader, subtotal
from kam.demands.models import CustomerRequest, RequestStatus
from kam.demands.selectors import requests_visible
from kam.obligations.models import OPEN_STATES, StoredObligation


def request_values(*, user, customer, now: dt.datetime) -> dict:
    """Open requests of the account and how many are past a clock (A15.1) — subqueries."""
    # the row they are computed on is scoped to the user (load_figures); overdue: a request with an open clock
    # (A15.1) past its due time, from the stored obligations (indexed by customer)
    late = StoredObligation.objects.filter(customer=customer, subject_type="request", live=True,
                                           state__in=OPEN_STATES, due_at__lt=now)
    return {"open": subtotal(CustomerRequest.objects.filter(customer=customer).exclude(status=RequestStatus.CLOSED),
                             Count("id")),
            "overdue": subtotal(late, Count("subject_id", distinct=True))}


def request_figures(counts: dict, *, user, customer, now: dt.datetime) -> list[Figure]:
    open_n, overdue = counts["open"] or 0, counts["overdue"] or 0
    url = "/requests/?" + urlencode({"customer": customer.name, "status": "open"})
    note = _("%(n)d 个已逾期") % {"n": overdue} if overdue else ""
    return [Figure("requests", _("未关闭需求"), open_n, note=note, url=url, tone="bad" if overdue else "",
                   order=50)]


REQUEST_FIELDS = ["kind", "status", "received_at", "summary", "logged_by", "logged_by__username",
                  "logged_by__display_name"]


def request_query(*, user, customer, since=None, until=None, person=None, limit: int = 50):
    qs = requests_visible(user=user).filter(customer=customer).select_related("logged_by")
    if since is not None:
        qs = qs.filter(received_at__gte=since)
    if until is not None:
        qs = qs.filter(received_at__lt=until)
    if person is not None:
        qs = qs.filter(Q(logged_by_id=person) | Q(assignee_id=person))
    return qs.order_by("-received_at", "-id")[:limit], REQUEST_FIELDS


def request_entry(r: CustomerRequest) -> Entry:
    title = _("%(k)s需求 · %(s)s") % {"k": r.get_kind_display(), "s": r.get_status_display()}
    return Entry("requests", r.received_at, title, r.summary[:120], person=str(r.logged_by),
                 person_id=r.logged_by_id, url=f"/requests/{r.pk}/",
                 tone="" if r.status == RequestStatus.CLOSED else "warn")


request_activity = entries_loader(request_query, request_entry)
