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
