"""Customer requests in the global search (issue 13; kam.core.search): by number (XQ<date>-<n>, or any part of
it), within the requests the user's request list shows (`selectors.requests_visible`)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse

from kam.core.search import Found, Hit, Query
from kam.demands.models import RequestKind, RequestStatus
from kam.demands.selectors import requests_visible
from kam.users.models import User

#: the shortest part of a number matched (one or two digits would match nearly every request)
NUMBER_MIN = 3


def request_hits(*, user: User, query: Query, limit: int, offset: int = 0) -> Found:
    if len(query.number) < NUMBER_MIN:
        return Found([])
    kinds, labels = dict(RequestKind.choices), dict(RequestStatus.choices)
    rows = list(requests_visible(user=user).filter(number__icontains=query.number)
                .annotate(rank=Case(When(number=query.number, then=Value(0)),
                                    When(number__istartswith=query.number, then=Value(1)), default=Value(2),
                                    output_field=IntegerField()))
                .order_by("rank", "-received_at", "-id")
                .values("pk", "number", "kind", "status", "customer__name")[offset:offset + limit + 1])
    hits = [Hit(title=r["number"], url=reverse("demands:detail", args=[r["pk"]]),
                detail=" · ".join(p for p in (str(kinds.get(r["kind"], "")), r["customer__name"]) if p),
                badge=str(labels.get(r["status"], ""))) for r in rows[:limit]]
    return Found(hits, more=len(rows) > limit)
