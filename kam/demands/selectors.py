from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kam.customers.selectors import customers_visible
from kam.demands.models import CustomerRequest, RequestStatus
from kam.users.models import User


def requests_visible(*, user: User) -> QuerySet[CustomerRequest]:
    """Everyone who sees the customer sees its requests; a department person also sees those assigned to them."""
    qs = CustomerRequest.objects.select_related("customer", "assignee", "ticket")
    if user.sees_all_customers:
        return qs
    return qs.filter(customer__in=customers_visible(user=user)) | qs.filter(assignee=user)


def request_get(*, user: User, pk: int) -> CustomerRequest:
    req = requests_visible(user=user).filter(pk=pk).first()
    if req is None:
        raise Http404("request not found")
    return req


def open_request_counter(department: str):
    """A department queue's count of open requests assigned to it (A4), for the navigation."""

    def count(*, user: User) -> int:
        return CustomerRequest.objects.filter(department=department).exclude(
            status__in=[RequestStatus.SOLVED, RequestStatus.CLOSED]).count()

    return count


def customer_requests(*, user: User, customer) -> list[CustomerRequest]:
    """The requests on a customer's page (A6.1), latest first."""
    return list(requests_visible(user=user).filter(customer=customer).order_by("-received_at")[:10])
