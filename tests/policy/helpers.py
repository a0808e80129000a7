"""Helpers for the policy tests."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from kam.policy.schema import default_values
from kam.users.models import User
from tests.factories import UserFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(*args: int) -> dt.datetime:
    """An aware instant in Asia/Shanghai."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


def values(overrides: dict | None = None, **kwargs) -> dict:
    """The defaults with some settings changed: values({"service.response_hours": 4}) or
    values(service__response_hours=4) ("__" stands for ".")."""
    result = default_values()
    for key, value in {**(overrides or {}), **kwargs}.items():
        name = key.replace("__", ".")
        assert name in result, name
        result[name] = value
    return result


def make_user(username: str, *roles: str) -> User:
    return UserFactory(username=username, roles=roles, password="x")
