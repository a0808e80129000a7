"""Datetimes typed into forms (datetime-local inputs, ISO strings) as aware Asia/Shanghai instants."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.errors import ApplicationError


def parse_local_datetime(value: str, *, field: str = "at") -> dt.datetime | None:
    """'' → None; '2026-11-26T09:30' → aware in the business time zone; a bad value names the field."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ApplicationError(_("时间格式无效：%(v)s") % {"v": value}, field=field) from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
