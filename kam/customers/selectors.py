"""Reads of customers, scoped to the acting user (house rule 2; A7.1, A9.2).

- head of sales, management, marketing, after-sales, finance: every customer's basic data;
- account manager: only the customers assigned to them (others are 404);
- administrator and anyone else: none.
Core data (floor prices, decision makers' phone/WeChat/email) is returned only to the head of sales
and management, and only through the functions here that say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Min, Q, QuerySet
from django.http import Http404

from kam.customers.models import Contact, Customer, FloorPrice
from kam.users.models import User


def customers_visible(*, user: User) -> QuerySet[Customer]:
    if not user.is_authenticated or not user.is_active:
        return Customer.objects.none()
    if user.sees_all_customers:
        return Customer.objects.all()
    if user.is_account_manager:
        return Customer.objects.filter(account_manager=user)
    return Customer.objects.none()


def contacts_visible(*, user: User) -> QuerySet[Contact]:
    """The contacts of the customers the user sees (`customers_visible`), without a subquery for those who see all.
    Which of their channels the user may see is the confidentiality masker's business (A7.1)."""
    if not user.is_authenticated or not user.is_active:
        return Contact.objects.none()
    if user.sees_all_customers:
        return Contact.objects.all()
    if user.is_account_manager:
        return Contact.objects.filter(customer__account_manager=user)
    return Contact.objects.none()


def customer_get(*, user: User, pk: int) -> Customer:
    """The customer if the user may see it; Http404 otherwise (never 403: no existence leak)."""
    customer = customers_visible(user=user).select_related("account_manager", "parent").filter(pk=pk).first()
    if customer is None:
        raise Http404("customer not found")
    return customer


def customer_cities(*, user: User) -> list[str]:
    return list(customers_visible(user=user).exclude(city="").order_by("city").values_list("city", flat=True)
                .distinct())


def cooperation_start(*, customer: Customer):
    """A2.1: the earlier of the first order and the first contract start, unless sales recorded an earlier start."""
    first_order = customer.orders.exclude(status="cancelled").aggregate(d=Min("order_date"))["d"]
    first_contract = customer.contracts.aggregate(d=Min("start_on"))["d"]
    candidates = [d for d in (first_order, first_contract, customer.cooperation_start_override) if d]
    return min(candidates) if candidates else None


def group_members(*, user: User, customer: Customer) -> QuerySet[Customer]:
    """Group roll-up: the visible members of the customer's group (itself included)."""
    root_id = customer.parent_id or customer.pk
    return customers_visible(user=user).filter(Q(pk=root_id) | Q(parent_id=root_id)).order_by("name")


@dataclass(frozen=True)
class FloorPriceOut:
    product_series: str
    price: Decimal


def customer_floor_prices(*, user: User, customer: Customer) -> list[FloorPriceOut] | None:
    """Core data (A7.1): None for roles that may not see it — never the values."""
    if not user.sees_core_data:
        return None
    return [FloorPriceOut(fp.product_series, Decimal(fp.price))
            for fp in FloorPrice.objects.filter(customer=customer).order_by("product_series")]
