from __future__ import annotations

import datetime as dt

from django.db.models import Case, DateTimeField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from kam.customers.selectors import customers_visible
from kam.obligations.models import OPEN_STATES, StoredObligation
from kam.service.models import Ticket, TicketPause
from kam.users.models import User

#: where tickets without a running clock sort when the list is ordered by due time: open ones (paused, waiting
#: to be resolved remotely) after those with a clock, resolved and closed ones last
OPEN_NO_DUE = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def tickets(*, user: User) -> QuerySet[Ticket]:
    qs = Ticket.objects.select_related("customer", "technician")
    if user.is_authenticated and user.is_active and user.sees_all_customers:
        return qs  # every customer is visible: no semi-join over all of them (issue 13, search at volume)
    return qs.filter(customer__in=customers_visible(user=user))


def with_due(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Each ticket's earliest open clock (A11.1 response or A11.2 on site) from the stored obligations — its due
    time, state and rule — and the reason of a running pause (A11.2), as subqueries of the same query on the
    indexed obligation table (obl_subject)."""
    clocks = StoredObligation.objects.filter(subject_type="ticket", subject_id=OuterRef("pk"), live=True,
                                             state__in=OPEN_STATES).order_by("due_at", "rule")
    paused = TicketPause.objects.filter(ticket=OuterRef("pk"), ended_at__isnull=True).order_by("-started_at")
    return qs.annotate(
        due_at=Subquery(clocks.values("due_at")[:1], output_field=DateTimeField()),
        due_state=Subquery(clocks.values("state")[:1]), due_rule=Subquery(clocks.values("rule")[:1]),
        pause_reason=Subquery(paused.values("reason")[:1]),
        pause_later_date=Subquery(paused.values("later_date")[:1]),
    ).annotate(due_sort=Coalesce("due_at", Case(
        When(~Q(status__in=["resolved", "closed"]), then=Value(OPEN_NO_DUE, output_field=DateTimeField())),
        default=Value(NO_DUE, output_field=DateTimeField()), output_field=DateTimeField())))


def ticket_list(*, user: User) -> QuerySet[Ticket]:
    """The ticket list: scoped to the user, with due time, clock state and pause (one query per page)."""
    return with_due(tickets(user=user))


def ticket_get(*, user: User, pk: int) -> Ticket:
    ticket = tickets(user=user).filter(pk=pk).first()
    if ticket is None:
        raise Http404("ticket not found")
    return ticket


def open_tickets(*, user: User) -> QuerySet[Ticket]:
    """Open green-channel tickets: the after-sales queue's count in the navigation (A4) counts them."""
    return Ticket.objects.exclude(status__in=["resolved", "closed"])


def customer_tickets_query(*, user: User, customer) -> tuple[QuerySet[Ticket], list[str]]:
    """The after-sales records on a customer's page (A6.1), latest first, and the fields the panel shows."""
    return (tickets(user=user).filter(customer=customer).order_by("-reported_at", "-id")[:10],
            ["number", "reported_at", "problem", "status"])


def customer_tickets(*, user: User, customer) -> list[Ticket]:
    """The after-sales records on a customer's page (A6.1), latest first."""
    return list(customer_tickets_query(user=user, customer=customer)[0])
