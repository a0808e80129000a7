"""List declarations of the occasions' pages (kam.core.lists): the company's holiday list and the monthly
overview's rows (computed occasions, sorted and paged by the shared component through `Rows.order_by`)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from kam.care.models import HolidayCalendar
from kam.care.occasions import lunar_words
from kam.core.lists import Column, Filter, ListSpec, choice_filter


def _holiday_day(h) -> str:
    if h.calendar == HolidayCalendar.LUNAR:
        return lunar_words(h.month, min(h.day, 30))
    return f"{h.month}月{h.day}日"


def holiday_spec() -> ListSpec:
    return ListSpec(
        name="care.holidays",
        columns=[Column("name", _l("节日名称"), order_by="name", template="care/_holiday_link.html"),
                 Column("calendar", _l("历法"), order_by="calendar", value=lambda h: h.get_calendar_display()),
                 Column("date", _l("日期"), value=_holiday_day),
                 Column("active", _l("启用"), order_by="active", value=lambda h: _l("是") if h.active else _l("否")),
                 Column("updated_by", _l("最后修改人"), value=lambda h: str(h.updated_by or "—"), default=False)],
        filters=[choice_filter("calendar", _l("历法"), HolidayCalendar.choices),
                 Filter("active", _l("启用"), lambda qs, v: qs.filter(active=v == "1"),
                        choices=[("1", _l("是")), ("0", _l("否"))])],
        default_sort="calendar", tiebreak="id")


#: the overview's states of an occasion
MONTH_STATES = [("open", _l("待关怀")), ("missed", _l("未关怀（已过）")), ("greeting", _l("祝福问候")),
                ("gift", _l("赠送礼品")), ("none", _l("不做安排"))]
KINDS = [("festival", _l("节日")), ("anniversary", _l("公司周年")), ("birthday", _l("生日")),
         ("custom", _l("重要日子"))]


def _rows_filter(attr):
    def apply(rows, value):
        return type(rows)(r for r in rows if str(getattr(r, attr)) == value)
    return apply


def _text(rows, value):
    return type(rows)(r for r in rows if value in r.customer_name)


def _done(r) -> str:
    """What was done, in a few words: the greeting's channel, the gift, or the reason for no action."""
    a = r.action
    if a is None:
        return ""
    who = f"{a.by} {timezone.localtime(a.at):%m-%d}"
    if a.kind == "greeting":
        return f"{a.get_channel_display()} · {who}"
    if a.kind == "gift":
        return f"{a.gift.item if a.gift_id else ''} · {who}"
    return f"{a.reason} · {who}"


def month_spec(managers: list[tuple[str, str]]) -> ListSpec:
    """A14.1: the month's occasions of every key account with what was done, by day."""
    states = dict(MONTH_STATES)
    kinds = dict(KINDS)
    return ListSpec(
        name="care.occasion_month",
        columns=[Column("on", _l("日期"), order_by="on"),
                 Column("title", _l("重要日子"), order_by="title", template="care/_month_link.html"),
                 Column("kind", _l("类型"), order_by="kind", value=lambda r: kinds.get(r.kind, "")),
                 Column("customer", _l("客户"), order_by="customer_name", value=lambda r: r.customer_name),
                 Column("manager", _l("客户经理"), order_by="manager_name", value=lambda r: r.manager_name or "—"),
                 Column("state", _l("关怀"), order_by="state", value=lambda r: states.get(r.state, "")),
                 Column("done", _l("关怀说明"), value=_done),
                 Column("customs", _l("礼仪与忌讳"), value=lambda r: r.customs, default=False)],
        filters=[Filter("month", _l("月份"), lambda rows, v: rows, placeholder="2026-12"),  # read by the view
                 Filter("manager", _l("客户经理"), _rows_filter("manager_id"), choices=managers),
                 Filter("state", _l("关怀"), _rows_filter("state"), choices=MONTH_STATES),
                 Filter("kind", _l("类型"), _rows_filter("kind"), choices=KINDS),
                 Filter("customer", _l("客户"), _text, placeholder=_l("客户名称"))],
        default_sort="on", tiebreak="customer_name")

