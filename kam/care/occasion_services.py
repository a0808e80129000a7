"""Writes of the occasions' company data (A14.1): the company's holiday list, kept by the head of sales or the
administrator (company data, not a policy setting). Each write is audited in its transaction and re-judges the
occasions of every key account (the list is an occasion of each)."""

from __future__ import annotations

from calendar import monthrange

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.care.models import CompanyHoliday, HolidayCalendar
from kam.core.access import require_role
from kam.core.errors import ApplicationError
from kam.users.models import Role, User

#: who keeps the company's holiday list (A14.1)
HOLIDAY_KEEPERS = (Role.HEAD_OF_SALES, Role.ADMINISTRATOR)
#: who reads it (pages and API)
HOLIDAY_READERS = (*HOLIDAY_KEEPERS, Role.MANAGEMENT)


def _check(name: str, calendar: str, month, day, *, pk: int | None) -> str:
    name = (name or "").strip()
    if not name or len(name) > 30:
        raise ApplicationError(_("请填写节日名称（最多 30 个字）。"), field="name", rule="A14.1")
    if calendar not in HolidayCalendar.values:
        raise ApplicationError(_("「历法」无效。"), field="calendar", rule="A14.1")
    if not isinstance(month, int) or not 1 <= month <= 12:
        raise ApplicationError(_("「月」应为 1–12。"), field="month", rule="A14.1")
    max_day = 30 if calendar == HolidayCalendar.LUNAR else monthrange(2024, month)[1]  # a leap year: 29 Feb exists
    if not isinstance(day, int) or not 1 <= day <= max_day:
        raise ApplicationError(_("「日」应为 1–%(n)d。") % {"n": max_day}, field="day", rule="A14.1")
    if CompanyHoliday.objects.filter(name=name).exclude(pk=pk).exists():
        raise ApplicationError(_("已有同名的节日「%(name)s」。") % {"name": name}, field="name", rule="A14.1")
    return name


def _reflect() -> None:
    from kam.obligations.store import reflect

    reflect(rules=["A14.1"])  # every key account's occasions: the list is theirs too


def holiday_add(*, actor: User, name: str, calendar: str, month: int, day: int, active: bool = True
                ) -> CompanyHoliday:
    """A14.1: a holiday the company observes, on a solar or a lunar month and day."""
    require_role(actor, *HOLIDAY_KEEPERS, message=_("只有销售部负责人或系统管理员可以维护公司节日（A14.1）。"))
    name = _check(name, calendar, month, day, pk=None)
    with transaction.atomic():
        holiday = CompanyHoliday.objects.create(name=name, calendar=calendar, month=month, day=day, active=active,
                                                updated_by=actor, updated_at=timezone.now())
        audit_log(actor=actor, action="care.holiday.added", target=holiday, rule="A14.1",
                  changes={"name": name, "calendar": calendar, "month": month, "day": day, "active": active})
        _reflect()
    return holiday


def holiday_update(*, actor: User, holiday: CompanyHoliday, name: str, calendar: str, month: int, day: int,
                   active: bool) -> CompanyHoliday:
    """A14.1: a holiday renamed, moved, or no longer observed (inactive; never deleted)."""
    require_role(actor, *HOLIDAY_KEEPERS, message=_("只有销售部负责人或系统管理员可以维护公司节日（A14.1）。"))
    name = _check(name, calendar, month, day, pk=holiday.pk)
    new = {"name": name, "calendar": calendar, "month": month, "day": day, "active": active}
    with transaction.atomic():
        holiday = CompanyHoliday.objects.select_for_update().get(pk=holiday.pk)
        changes = {k: {"old": getattr(holiday, k), "new": v} for k, v in new.items() if getattr(holiday, k) != v}
        if not changes:
            return holiday
        for k, v in new.items():
            setattr(holiday, k, v)
        holiday.updated_by, holiday.updated_at = actor, timezone.now()
        holiday.save()
        audit_log(actor=actor, action="care.holiday.updated", target=holiday, rule="A14.1", changes=changes)
        _reflect()
    return holiday
