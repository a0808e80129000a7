from __future__ import annotations

from django.db.models import QuerySet

from kam.customers.selectors import customers_visible
from kam.orders.models import Order
from kam.users.models import User


def orders_visible(*, user: User) -> QuerySet[Order]:
    return Order.objects.filter(customer__in=customers_visible(user=user))
