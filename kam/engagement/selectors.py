from __future__ import annotations

import datetime as dt

from django.db.models import DateTimeField, OuterRef, QuerySet, Subquery
from django.http import Http404

from kam.customers.selectors import customers_visible
from kam.engagement.models import CalendarFeedToken, ContactLog, Visit
from kam.obligations.models import OPEN_STATES, StoredObligation
from kam.users.models import User


def contact_logs(*, user: User, customer_id: int | None = None) -> QuerySet[ContactLog]:
    qs = ContactLog.objects.filter(customer__in=customers_visible(user=user)).select_related(
        "author", "contact", "customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs.order_by("-at", "-id")


def visits(*, user: User) -> QuerySet[Visit]:
    return Visit.objects.filter(customer__in=customers_visible(user=user)).select_related("customer", "owner")


def visit_list(*, user: User) -> QuerySet[Visit]:
    """The visit list: scoped to the user, with each visit's open clock (A13.1 confirmation or A13.2 record) from
    the stored obligations, as subqueries of the same query."""
    clocks = StoredObligation.objects.filter(subject_type="visit", subject_id=OuterRef("pk"), live=True,
                                             state__in=OPEN_STATES).order_by("due_at", "rule")
    return visits(user=user).annotate(
        due_at=Subquery(clocks.values("due_at")[:1], output_field=DateTimeField()),
        due_state=Subquery(clocks.values("state")[:1]), due_rule=Subquery(clocks.values("rule")[:1]))


def contact_log_list(*, user: User) -> QuerySet[ContactLog]:
    """The contact-log list: scoped to the user, with the visit of a visit's log (its record is shown once)."""
    return contact_logs(user=user).select_related("visit")


def visit_get(*, user: User, pk: int) -> Visit:
    visit = visits(user=user).filter(pk=pk).first()
    if visit is None:
        raise Http404("visit not found")
    return visit


def visits_between(*, user: User, start: dt.datetime, end: dt.datetime, mine: bool = True) -> QuerySet[Visit]:
    qs = visits(user=user).filter(starts_at__gte=start, starts_at__lt=end)
    if mine:
        qs = qs.filter(owner=user)
    return qs.order_by("starts_at")


def feed_user(raw_token: str) -> User | None:
    from kam.engagement.services import feed_token_hash

    token = CalendarFeedToken.objects.filter(token_hash=feed_token_hash(raw_token), revoked_at__isnull=True,
                                             user__is_active=True).select_related("user").first()
    return token.user if token else None


def customer_communications_query(*, user: User, customer) -> tuple[QuerySet[ContactLog], list[str]]:
    """The communication records on a customer's page (A6.1, A13.2), latest first, and the fields the panel shows
    (the author's name, the visit's record)."""
    return (contact_logs(user=user, customer_id=customer.pk).select_related("author", "contact", "visit")
            .order_by("-at", "-id")[:20],
            ["at", "kind", "topic", "author", "with_decision_maker", "visit", "summary", "author__username",
             "author__display_name", "visit__purpose", "visit__recorded_at", "visit__purchase_plans",
             "visit__usage_problems", "visit__suggestions"])


def customer_communications(*, user: User, customer) -> list[ContactLog]:
    """The communication records on a customer's page (A6.1, A13.2), latest first; a visit's log carries the
    visit's record (purchase plans, usage problems, suggestions) once."""
    return list(customer_communications_query(user=user, customer=customer)[0])
