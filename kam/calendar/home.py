"""The administrator's home-page panel on the working calendar (issue 13): whether this year and next have their
official holiday schedule (from the library or entered by an administrator) or run on the provisional one."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.calendar.models import CalendarYear
from kam.calendar.workdays import work_calendar
from kam.core.home import Figure, PanelData
from kam.users.models import User


def years_panel(*, user: User, now: dt.datetime) -> PanelData:
    year = timezone.localdate(now).year
    calendar = work_calendar()  # cached snapshot (two queries when it is loaded)
    entered = list(CalendarYear.objects.filter(complete=True).order_by("year").values_list("year", flat=True))
    url = reverse("admin:calendar_calendaryear_changelist")
    labels = {"library": (_("正式"), _("程序内置的官方安排"), "ok"), "admin": (_("正式"), _("管理员已录入"), "ok"),
              "provisional": (_("暂定"), _("官方安排尚未录入"), "bad")}
    figures = []
    for y in (year, year + 1):
        text, note, tone = labels[calendar.schedule_source(y)]
        figures.append(Figure(f"calendar_{y}", _("%(y)s 年日历") % {"y": y}, text, url, tone, note=note, count=False))
    figures.append(Figure("calendar_entered", _("管理员录入的年份"), "、".join(str(y) for y in entered) or "—", url,
                          count=False))
    return PanelData(figures=figures)
