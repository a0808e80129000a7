from __future__ import annotations

from datetime import date

import pytest

from tests.factories import OrderFactory


@pytest.fixture
def buy(db):
    """buy(customer, amount, on=date, status=...) records an order of that amount, numbered T-<customer>-<n>."""
    counter = {"n": 0}

    def make(customer, amount, on=date(2026, 3, 1), status="delivered", promised=None, delivered=None):
        counter["n"] += 1
        return OrderFactory(customer=customer, number=f"T-{customer.pk}-{counter['n']}", amount=amount,
                            order_date=on, status=status,
                            promised_delivery_date=promised, actual_delivery_date=delivered)

    return make


@pytest.fixture
def qualified(customer_factory, buy):
    """qualified(name, amount, manager, since=date) a customer with 2+ years, potential flagged, the amount."""

    def make(name, amount, manager=None, since=date(2023, 1, 10), **kw):
        c = customer_factory(name, manager=manager, purchase_potential=True, purchase_potential_note="扩张中", **kw)
        buy(c, "1000", on=since)
        buy(c, amount)
        return c

    return make
