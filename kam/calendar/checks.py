"""System check kam.calendar.W001: the system runs on a provisional calendar.

From 1 December it warns when next year has no official holiday schedule, and at any time when the
current year has none: working days and due times of such a year are computed provisionally from
the statute (`kam.calendar.statutory`) until an administrator enters the official schedule.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from django.apps import AppConfig
from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .workdays import has_official_schedule

W001 = "kam.calendar.W001"
WARN_FROM_MONTH = 12  # from 1 December


def uncovered_years(today: date, covered: Callable[[int], bool] = has_official_schedule) -> list[int]:
    """This year if it has no official schedule; next year too from 1 December."""
    years = [today.year]
    if today.month >= WARN_FROM_MONTH:
        years.append(today.year + 1)
    return [y for y in years if not covered(y)]


def coverage_warnings(today: date, covered: Callable[[int], bool] = has_official_schedule) -> list[CheckMessage]:
    """Pure logic: one W001 warning naming the years that run on the provisional calendar."""
    years = uncovered_years(today, covered)
    if not years:
        return []
    names = "、".join(str(y) for y in years)
    return [
        Warning(
            _("%(years)s 年的法定节假日安排尚未录入：系统按法定节假日规则推算的暂定日历运行"
              "（周末补假，没有调休上班日），据此计算的工作日和到期时间均标为暂定。") % {"years": names},
            hint=_(
                "国务院办公厅公布该年放假安排后，请管理员在后台“工作日历 › 日历年份”录入全部放假日与"
                "调休上班日并勾选“全年已录入”，或运行 python manage.py calendar_year <CSV 文件>"
                "（也可升级 chinesecalendar）；录入后系统按正式安排重新计算。"
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
