from __future__ import annotations

import datetime as dt

from django.db.models import Case, DateTimeField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from kam.customers.selectors import customers_visible
from kam.demands.models import CustomerRequest, RequestStatus
from kam.obligations.models import OPEN_STATES, StoredObligation
from kam.users.models import User

#: where requests without a running clock sort when the list is ordered by due time: open ones (waiting for a
#: department's outcome, for feedback) after those with a clock, closed ones last
OPEN_NO_DUE = dt.datetime(9000, 1, 1, tzinfo=dt.UTC)
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def requests_visible(*, user: User) -> QuerySet[CustomerRequest]:
    """Everyone who sees the customer sees its requests; a department person also sees those assigned to them."""
    qs = CustomerRequest.objects.select_related("customer", "assignee", "ticket")
    if user.sees_all_customers:
        return qs
    return qs.filter(customer__in=customers_visible(user=user)) | qs.filter(assignee=user)


def with_due(qs: QuerySet[CustomerRequest]) -> QuerySet[CustomerRequest]:
    """Each request's earliest open clock (A15.1 first response or preliminary solution) from the stored
    obligations — due time, state and which part — as subqueries of the same query on the indexed table."""
    clocks = StoredObligation.objects.filter(subject_type="request", subject_id=OuterRef("pk"), live=True,
                                             state__in=OPEN_STATES).order_by("due_at", "period_key")
    return qs.annotate(
        due_at=Subquery(clocks.values("due_at")[:1], output_field=DateTimeField()),
        due_state=Subquery(clocks.values("state")[:1]), due_key=Subquery(clocks.values("period_key")[:1]),
    ).annotate(due_sort=Coalesce("due_at", Case(
        When(~Q(status=RequestStatus.CLOSED), then=Value(OPEN_NO_DUE, output_field=DateTimeField())),
        default=Value(NO_DUE, output_field=DateTimeField()), output_field=DateTimeField())))


def request_list(*, user: User) -> QuerySet[CustomerRequest]:
    """The request list: scoped to the user, with due time and clock state (one query per page)."""
    return with_due(requests_visible(user=user).select_related("customer__account_manager"))


def request_get(*, user: User, pk: int) -> CustomerRequest:
    req = requests_visible(user=user).filter(pk=pk).first()
    if req is None:
        raise Http404("request not found")
    return req


def open_request_counter(department: str):
    """A department queue's count of open requests assigned to it (A4), for the navigation."""

    def count(*, user: User) -> QuerySet[CustomerRequest]:  # counted with the page's other counters
        return CustomerRequest.objects.filter(department=department).exclude(
            status__in=[RequestStatus.SOLVED, RequestStatus.CLOSED])

    return count


def customer_requests_query(*, user: User, customer) -> tuple[QuerySet[CustomerRequest], list[str]]:
    """The requests on a customer's page (A6.1), latest first, and the fields the panel shows."""
    return (requests_visible(user=user).filter(customer=customer).order_by("-received_at", "-id")[:10],
            ["number", "kind", "received_at", "summary", "status"])


def customer_requests(*, user: User, customer) -> list[CustomerRequest]:
    """The requests on a customer's page (A6.1), latest first."""
    return list(customer_requests_query(user=user, customer=customer)[0])
