from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from kam.customers.selectors import customers_visible
from kam.service.models import Ticket
from kam.users.models import User


def tickets(*, user: User) -> QuerySet[Ticket]:
    return Ticket.objects.filter(customer__in=customers_visible(user=user)).select_related(
        "customer", "technician")


def ticket_get(*, user: User, pk: int) -> Ticket:
    ticket = tickets(user=user).filter(pk=pk).first()
    if ticket is None:
        raise Http404("ticket not found")
    return ticket


def open_ticket_count(*, user: User) -> int:
    """Open green-channel tickets: the after-sales queue's count in the navigation (A4)."""
    return Ticket.objects.exclude(status__in=["resolved", "closed"]).count()


def customer_tickets(*, user: User, customer) -> list[Ticket]:
    """The after-sales records on a customer's page (A6.1), latest first."""
    return list(tickets(user=user).filter(customer=customer).order_by("-reported_at")[:10])
