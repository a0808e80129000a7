"""The provisional-calendar banner for the administrator and the head of sales.

Settings: add "kam.calendar.context_processors.calendar_notice" to the template context processors,
and `{% include "calendar/_notice.html" %}` to the page layout.

Cost: no query when the library covers the years concerned or a fresh calendar snapshot is
cached; otherwise one query on `CalendarYear` (the user's roles are read by the navigation anyway).
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.users.models import Role

from .checks import uncovered_years
from .workdays import library_covers, peek_work_calendar

BANNER_ROLES = (Role.ADMINISTRATOR, Role.HEAD_OF_SALES)


def _official_years(years: list[int]) -> set[int]:
    official = {y for y in years if library_covers(y)}
    rest = [y for y in years if y not in official]
    if not rest:
        return official
    calendar = peek_work_calendar()
    if calendar is not None:
        return official | {y for y in rest if calendar.has_official_schedule(y)}
    from .models import CalendarYear

    return official | set(CalendarYear.objects.filter(year__in=rest, complete=True).values_list("year", flat=True))


def provisional_notice(today: date) -> str:
    """The banner text for `today`, or "" when no year concerned is provisional."""
    candidates = uncovered_years(today, covered=lambda y: False)  # this year; next year too in December
    official = _official_years(candidates)
    years = [y for y in candidates if y not in official]
    if not years:
        return ""
    return _(
        "%(years)s 年的法定节假日安排尚未录入，系统中的工作日和到期时间目前按法定规则推算，暂定。"
        "国务院办公厅公布放假安排后，请管理员在后台“工作日历 › 日历年份”中录入该年全部放假日和调休上班日，"
        "并勾选“全年已录入”；录入后系统按正式安排重新计算。"
    ) % {"years": "、".join(str(y) for y in years)}


def calendar_notice(request: HttpRequest) -> dict[str, str]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_role(*BANNER_ROLES):
        return {}
    notice = provisional_notice(timezone.localdate())
    return {"calendar_notice": notice} if notice else {}
