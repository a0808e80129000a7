from __future__ import annotations

import pytest
import time_machine

from tests.factories import SH, ContactFactory, at

NOW = at(2026, 9, 10, 10, 0)  # a Thursday


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def account(users, key_account, frozen):
    """am1's core account with two people; am2's account with one."""

    class Account:
        mine = key_account("华美酒店", manager=users.am1)
        boss = ContactFactory(customer=mine, name="林董", title="董事长", is_decision_maker=True)
        buyer = ContactFactory(customer=mine, name="王经理", title="采购经理")
        other = key_account("远景地产", city="广州", manager=users.am2)
        other_boss = ContactFactory(customer=other, name="陈总", title="总经理", is_decision_maker=True)

    return Account


__all__ = ["NOW", "SH"]
