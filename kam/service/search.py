"""Tickets in the global search (issue 13; kam.core.search): by number (SH<date>-<n>; any part of it, e.g.
"20261201-001" or "SH2026"), within the tickets the user's ticket list shows (`selectors.tickets`)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse

from kam.core.search import Found, Hit, Query
from kam.service.models import TicketStatus
from kam.service.selectors import tickets
from kam.users.models import User

#: the shortest part of a number matched (one or two digits would match nearly every ticket)
NUMBER_MIN = 3


def ticket_hits(*, user: User, query: Query, limit: int, offset: int = 0) -> Found:
    if len(query.number) < NUMBER_MIN:
        return Found([])
    labels = dict(TicketStatus.choices)
    rows = list(tickets(user=user).filter(number__icontains=query.number)
                .annotate(rank=Case(When(number=query.number, then=Value(0)),
                                    When(number__istartswith=query.number, then=Value(1)), default=Value(2),
                                    output_field=IntegerField()))
                .order_by("rank", "-reported_at", "-id")
                .values("pk", "number", "status", "reported_at", "customer__name", "site_city")
                [offset:offset + limit + 1])
    hits = [Hit(title=r["number"], url=reverse("service:ticket", args=[r["pk"]]),
                detail=" · ".join(p for p in (r["customer__name"], r["site_city"]) if p),
                badge=str(labels.get(r["status"], ""))) for r in rows[:limit]]
    return Found(hits, more=len(rows) > limit)
