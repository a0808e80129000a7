"""The gift register's and the refusals' list declarations (kam.core.lists): columns, filters in the URL."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from kam.care.gates import yuan
from kam.care.models import GiftCategory, GiftState, RefusalReason
from kam.core.lists import Column, Filter, ListSpec, choice_filter, text_filter


def _years() -> list[tuple[str, str]]:
    this = timezone.localdate().year
    return [(str(y), str(y)) for y in range(this + 1, this - 5, -1)]


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def gift_spec() -> ListSpec:
    return ListSpec(
        name="care.gifts",
        columns=[Column("planned_on", _l("计划日期"), order_by="planned_on"),
                 Column("customer", _l("客户"), order_by="customer__name", value=lambda g: g.customer.name),
                 Column("recipient", _l("受礼人"), order_by="recipient__name", value=lambda g: g.recipient.name),
                 Column("item", _l("礼品"), order_by="item", template="care/_gift_link.html"),
                 Column("category", _l("类别"), order_by="category", value=lambda g: g.get_category_display()),
                 Column("total_value", _l("总价值"), order_by="total_value", value=lambda g: yuan(g.total_value),
                        css="num"),
                 Column("giver", _l("赠送人"), order_by="giver__display_name", value=lambda g: str(g.giver)),
                 Column("state", _l("状态"), order_by="state", template="care/_state_cell.html"),
                 Column("occasion", _l("场合"), default=False),
                 Column("given_on", _l("赠送日期"), order_by="given_on", default=False)],
        filters=[choice_filter("state", _l("状态"), GiftState.choices),
                 text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
                 text_filter("recipient", _l("受礼人"), "recipient__name", placeholder=_l("受礼人")),
                 choice_filter("category", _l("类别"), GiftCategory.choices),
                 Filter("year", _l("年度"), lambda qs, v: qs.filter(year=int(v)), choices=_years()),
                 *_register_filters()],  # A14.2: the reports' and the summary's links
        default_sort="-planned_on")


def _register_filters() -> list[Filter]:
    from kam.care.gift_reports import register_filters

    return register_filters()


def refusal_spec() -> ListSpec:
    return ListSpec(
        name="care.refusals",
        columns=[Column("at", _l("时间"), order_by="at", value=lambda r: _local(r.at)),
                 Column("actor", _l("登记人"), order_by="actor__display_name", value=lambda r: str(r.actor)),
                 Column("customer", _l("客户"), order_by="customer__name",
                        value=lambda r: r.customer.name if r.customer else ""),
                 Column("recipient", _l("受礼人"), value=lambda r: r.recipient.name if r.recipient else ""),
                 Column("item", _l("礼品"), order_by="item"),
                 Column("category", _l("类别"), order_by="category", value=lambda r: r.get_category_display()),
                 Column("total_value", _l("总价值"), order_by="total_value", value=lambda r: yuan(r.total_value),
                        css="num"),
                 Column("reason", _l("原因"), order_by="reason", value=lambda r: r.get_reason_display()),
                 Column("message", _l("提示"), default=False)],
        filters=[choice_filter("reason", _l("原因"), RefusalReason.choices),
                 text_filter("actor", _l("登记人"), "actor__display_name", "actor__username", placeholder=_l("姓名")),
                 text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
                 *_refusal_half()],  # A3: the half-yearly summary's links
        default_sort="-at")


def _refusal_half() -> list[Filter]:
    from kam.care.gift_reports import refusals_in_half

    return [Filter("half", _l("半年度"), refusals_in_half, input_type="hidden")]


def occasion_spec() -> ListSpec:
    """A14.1: the occasions listed (and recently past) with what was done, soonest first."""
    from kam.obligations.models import State

    def by_state(qs, value):
        return {"open": qs.filter(state__in=[State.UPCOMING, State.DUE_SOON]),
                "done": qs.filter(state__in=[State.MET, State.MET_LATE]),
                "missed": qs.filter(state=State.BREACHED)}[value]

    return ListSpec(
        name="care.occasions",
        columns=[Column("day", _l("日期"), order_by="due_at", value=lambda o: timezone.localtime(o.due_at).date()),
                 Column("label", _l("重要日子"), order_by="label", template="care/_occasion_link.html"),
                 Column("customer", _l("客户"), order_by="customer_name", value=lambda o: o.customer_name),
                 Column("state", _l("状态"), order_by="state", template="care/_occasion_state.html"),
                 Column("owner", _l("客户经理"), order_by="owner__display_name", value=lambda o: str(o.owner or "—")),
                 Column("customs", _l("礼仪与忌讳"), value=lambda o: getattr(o, "note", ""))],
        filters=[Filter("state", _l("状态"), by_state, choices=[("open", _l("待关怀")), ("done", _l("已关怀")),
                                                              ("missed", _l("未关怀（已过）"))]),
                 text_filter("customer", _l("客户"), "customer_name", placeholder=_l("客户名称"))],
        default_sort="day", tiebreak="id")


def commitment_spec() -> ListSpec:
    """A18.1: commitments, unapproved first by default."""
    from kam.care.models import CommitmentDepartment, CommitmentKind, CommitmentState

    return ListSpec(
        name="care.commitments",
        columns=[Column("requested_at", _l("登记"), order_by="requested_at", value=lambda c: _local(c.requested_at)),
                 Column("customer", _l("客户"), order_by="customer__name", value=lambda c: c.customer.name),
                 Column("kind", _l("类型"), order_by="kind", value=lambda c: c.get_kind_display()),
                 Column("description", _l("承诺内容"), template="care/_commitment_link.html"),
                 Column("department", _l("兑现部门"), order_by="department", value=lambda c: c.get_department_display()),
                 Column("due_on", _l("兑现期限"), order_by="due_on"),
                 Column("state", _l("状态"), order_by="state", template="care/_commitment_state.html"),
                 Column("requested_by", _l("申请人"), value=lambda c: str(c.requested_by), default=False)],
        filters=[choice_filter("state", _l("状态"), CommitmentState.choices),
                 Filter("clock", _l("时限"), _commitments_by_clock,
                        choices=[("late", _l("超过审批期限")), ("missed", _l("逾期未兑现"))]),
                 choice_filter("department", _l("兑现部门"), CommitmentDepartment.choices),
                 choice_filter("kind", _l("类型"), CommitmentKind.choices),
                 text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称"))],
        default_sort="state")


def _commitments_by_clock(qs, value):
    from kam.care.selectors import commitments_by_clock

    return commitments_by_clock(qs, value)
