"""Shared fixtures: named users per role (healthchecks-style) and customers, both made by the factories of
tests/factories.py, and the audit guard for test flushes."""

from __future__ import annotations

import pytest


def pytest_configure(config):
    # Transactional tests (live server) flush the database between tests; on SQLite the audit
    # table's delete trigger only lets a purge through when explicitly allowed (kam.audit.sqlite_guard).
    from django.core.management.commands import flush

    from kam.audit.sqlite_guard import allow_purge

    original = flush.Command.handle

    def handle(self, *args, **options):
        with allow_purge():
            return original(self, *args, **options)

    flush.Command.handle = handle


@pytest.fixture
def make_user(db):
    from tests.factories import PASSWORD, UserFactory

    def make(username: str, *roles: str, password: str = PASSWORD, **extra):
        return UserFactory(username=username, roles=roles, password=password,
                           display_name=extra.pop("display_name", username), **extra)

    return make


@pytest.fixture
def users(make_user):
    from kam.users.models import Role

    class Users:
        head = make_user("head", Role.HEAD_OF_SALES)
        mgmt = make_user("mgmt", Role.MANAGEMENT)
        am1 = make_user("am1", Role.ACCOUNT_MANAGER)
        am2 = make_user("am2", Role.ACCOUNT_MANAGER)
        mkt = make_user("mkt", Role.MARKETING)
        svc = make_user("svc", Role.AFTER_SALES)
        fin = make_user("fin", Role.FINANCE)
        admin = make_user("admin", Role.ADMINISTRATOR, is_staff=True)

    return Users


@pytest.fixture
def customer_factory(db):
    """customer_factory(name, manager=None, **values): a customer made by the service (tests.factories)."""
    from tests.factories import CustomerFactory

    def make(name: str | None = None, manager=None, **values):
        if name is not None:
            values["name"] = name
        return CustomerFactory(manager=manager, **values)

    return make


@pytest.fixture
def key_account(users):
    """key_account(name, city, manager=am1): a core key account since 2025-01-01 (tests.factories)."""
    from tests.factories import KeyAccountFactory, at

    def make(name="华美酒店", city="佛山", manager=None):
        return KeyAccountFactory(name=name, manager=manager or users.am1, city=city, tier="core",
                                 since=at(2025, 1, 1))

    return make


@pytest.fixture(autouse=True)
def _clear_cache():
    """Tests start with an empty cache (short-lived counts, import progress)."""
    from django.core.cache import cache

    cache.clear()
    yield
    from django.utils import translation

    translation.activate("zh-hans")  # a test that switched to English must not leak it into the next
