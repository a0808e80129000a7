from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


@pytest.fixture
def designate(db):
    """designate(customer, tier, since) makes a customer a key account from `since` (an initial-list row)."""
    from tests.factories import DesignationFactory

    def make(customer, tier="ordinary", since=at(2026, 1, 1)):
        return DesignationFactory(customer=customer, tier=tier, started_at=since)

    return make


@pytest.fixture
def log_contact(db):
    from tests.factories import ContactLogFactory

    def make(customer, when, kind="phone", author=None, decision_maker=False):
        return ContactLogFactory(customer=customer, at=when, kind=kind, author=author or customer.account_manager,
                                 with_decision_maker=decision_maker)

    return make
