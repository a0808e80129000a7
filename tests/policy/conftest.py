from __future__ import annotations

import pytest

from kam.users.models import Role, User
from tests.policy.helpers import make_user


@pytest.fixture
def head(db) -> User:
    return make_user("head", Role.HEAD_OF_SALES)


@pytest.fixture
def management(db) -> User:
    return make_user("boss", Role.MANAGEMENT)


@pytest.fixture
def manager(db) -> User:
    return make_user("am", Role.ACCOUNT_MANAGER)
