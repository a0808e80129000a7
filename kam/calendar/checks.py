"""System check kam.calendar.W001: warn from 1 December when next year's holiday schedule is missing."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .workdays import has_calendar_data

W001 = "kam.calendar.W001"
WARN_FROM_MONTH = 12  # from 1 December


def coverage_warnings(today: date, covered: Callable[[int], bool] = has_calendar_data) -> list[CheckMessage]:
    """Pure logic: a W001 warning if `today` is in December and next year is not `covered`."""
    if today.month < WARN_FROM_MONTH:
        return []
    year = today.year + 1
    if covered(year):
        return []
    return [
        Warning(
            _("%(year)s 年的法定节假日安排尚未录入（no official holiday schedule for %(year)s）。")
            % {"year": year},
            hint=_(
                "请升级 chinesecalendar，或由管理员在后台录入该年日历并勾选“全年已录入”"
                "（python manage.py calendar_year <csv>）；否则 1 月 1 日起工作日计算将报错。"
            ),
            obj="kam.calendar",
            id=W001,
        )
    ]


def check_calendar_coverage(
    app_configs: Sequence[AppConfig] | None = None, *, today: date | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Django system check; skipped silently when the calendar tables do not exist yet (pre-migrate)."""
    if today is None:
        today = timezone.localdate()
    try:
        with transaction.atomic():
            return coverage_warnings(today)
    except DatabaseError:  # OperationalError / ProgrammingError: no tables yet, no database
        return []
