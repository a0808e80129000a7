from __future__ import annotations

import pytest

from kam.policy.tests.helpers import make_user
from kam.users.models import Role, User


@pytest.fixture
def head(db) -> User:
    return make_user("head", Role.HEAD_OF_SALES)


@pytest.fixture
def management(db) -> User:
    return make_user("boss", Role.MANAGEMENT)


@pytest.fixture
def manager(db) -> User:
    return make_user("am", Role.ACCOUNT_MANAGER)
