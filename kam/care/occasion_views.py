"""Occasions pages beyond the list (A14.1): the company's holiday list (kept by the head of sales or the
administrator) and the head of sales' monthly overview — what is coming and what was done, per account manager."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kam.care.models import CompanyHoliday
from kam.care.occasion_forms import HolidayForm
from kam.care.occasion_lists import holiday_spec, month_spec
from kam.care.occasion_selectors import occasions_for
from kam.care.occasion_services import HOLIDAY_KEEPERS, HOLIDAY_READERS, holiday_add, holiday_update
from kam.core.access import role_required
from kam.core.inputs import submit
from kam.core.lists import list_context
from kam.users.models import Role


@role_required(*HOLIDAY_READERS)
def holiday_list(request):
    """A14.1: the holidays the company lists besides Spring Festival and Mid-Autumn; a new one is added below."""
    may_edit = request.user.has_role(*HOLIDAY_KEEPERS)
    form = HolidayForm(request.POST if request.method == "POST" and may_edit else None)
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if submit(form, lambda d: holiday_add(actor=request.user, **d)):
            h = form.result
            messages.success(request, _("已添加公司节日「%(name)s」（%(cal)s %(m)d月%(d)d日），每个大客户都会提前列出（A14.1）。")
                             % {"name": h.name, "cal": h.get_calendar_display(), "m": h.month, "d": h.day})
            return redirect("care:holidays")
    context = list_context(request, holiday_spec(), CompanyHoliday.objects.select_related("updated_by"))
    context.update(form=form, may_edit=may_edit)
    return render(request, "care/holiday_list.html", context, status=form.status_code if form.errors else 200)


@role_required(*HOLIDAY_READERS)
def holiday_edit(request, pk: int):
    holiday = CompanyHoliday.objects.filter(pk=pk).first()
    if holiday is None:
        raise Http404
    may_edit = request.user.has_role(*HOLIDAY_KEEPERS)
    initial = {"name": holiday.name, "calendar": holiday.calendar, "month": holiday.month, "day": holiday.day,
               "active": holiday.active}
    form = HolidayForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if submit(form, lambda d: holiday_update(actor=request.user, holiday=holiday, **d)):
            h = form.result
            messages.success(request, _("已保存公司节日「%(name)s」：%(cal)s %(m)d月%(d)d日，%(state)s。") % {
                "name": h.name, "cal": h.get_calendar_display(), "m": h.month, "d": h.day,
                "state": _("启用") if h.active else _("停用")})
            return redirect("care:holidays")
    return render(request, "care/holiday_edit.html", {"form": form, "holiday": holiday, "may_edit": may_edit},
                  status=form.status_code if form.errors else 200)


def _month_of(raw: str) -> dt.date:
    today = timezone.localdate()
    try:
        year, month = (int(p) for p in raw.split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def _shift(first: dt.date, months: int) -> dt.date:
    n = first.year * 12 + first.month - 1 + months
    return dt.date(n // 12, n % 12 + 1, 1)


@role_required(Role.HEAD_OF_SALES, Role.MANAGEMENT)
@require_safe
def occasion_month(request):
    """A14.1: the month's occasions of every key account — what is coming and what was done (a greeting, a gift,
    no action with its reason) — per account manager, then the rows (shared list: filters in the URL, paged)."""
    first = _month_of(request.GET.get("month", ""))
    last = _shift(first, 1) - dt.timedelta(days=1)
    rows = occasions_for(user=request.user, first=first, last=last, everyone=True)
    per: dict[tuple[int | None, str], Counter] = {}
    for r in rows:
        per.setdefault((r.manager_id, r.manager_name), Counter())[r.state] += 1
    summary = [{"manager_id": mid, "manager": name or _("（无客户经理）"), "total": sum(c.values()),
                "open": c["open"], "missed": c["missed"], "greeting": c["greeting"], "gift": c["gift"],
                "none": c["none"], "done": c["greeting"] + c["gift"] + c["none"]}
               for (mid, name), c in sorted(per.items(), key=lambda kv: kv[0][1] or "~")]
    totals = Counter(r.state for r in rows)
    managers = [(str(s["manager_id"]), s["manager"]) for s in summary if s["manager_id"]]
    context = list_context(request, month_spec(managers), rows)
    context.update(month=first, prev=f"{_shift(first, -1):%Y-%m}", next=f"{_shift(first, 1):%Y-%m}",
                   this=f"{first:%Y-%m}", summary=summary, total=len(rows),
                   done=totals["greeting"] + totals["gift"] + totals["none"], totals=totals)
    return render(request, "care/occasion_month.html", context)
