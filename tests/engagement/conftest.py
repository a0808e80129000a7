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
    from kam.qualification.models import Designation, TierChange

    def make(customer, tier="ordinary", since=at(2026, 1, 1)):
        d = Designation.objects.create(customer=customer, source="initial_list", tier=tier, started_at=since)
        TierChange.objects.create(customer=customer, designation=d, tier=tier, effective_at=since)
        return d

    return make


@pytest.fixture
def log_contact(db):
    from kam.engagement.models import ContactLog

    def make(customer, when, kind="phone", author=None, decision_maker=False):
        return ContactLog.objects.create(customer=customer, at=when, kind=kind,
                                         author=author or customer.account_manager, summary="沟通",
                                         with_decision_maker=decision_maker)

    return make
