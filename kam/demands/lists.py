"""The request list's declaration (kam.core.lists): columns, filters, default order by due time (issue 13)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.core.lists import Column, Filter, ListSpec, choice_filter, text_filter
from kam.demands.models import Department, RequestKind, RequestStatus
from kam.obligations.feedback import span_words

DONE = (RequestStatus.SOLVED, RequestStatus.CLOSED)
PARTS = {"response": _l("首次响应"), "solution": _l("初步方案")}


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def request_spec() -> ListSpec:
    """Requests with their due time, countdown and state, sorted by due by default."""
    now = timezone.now()

    def by_status(qs, value):
        if value == "open":
            return qs.exclude(status=RequestStatus.CLOSED)
        return qs.filter(status=value)

    return ListSpec(
        name="demands.requests",
        columns=[Column("number", _l("编号"), order_by="number", value=lambda r: r.number),
                 Column("received_at", _l("收到"), order_by="received_at", value=lambda r: local_time(r.received_at)),
                 Column("customer", _l("客户"), order_by="customer__name", value=lambda r: r.customer.name),
                 Column("kind", _l("类型"), order_by="kind", value=lambda r: r.get_kind_display()),
                 Column("summary", _l("内容"), template="demands/_summary_link.html"),
                 Column("due", _l("截止"), order_by="due_sort", template="demands/_due_cell.html"),
                 Column("state", _l("状态"), order_by="status", template="demands/_state_cell.html"),
                 Column("assignee", _l("负责"), order_by="department", template="demands/_assignee_cell.html"),
                 Column("channel", _l("渠道"), order_by="channel", value=lambda r: r.get_channel_display(),
                        default=False)],
        filters=[Filter("status", _l("状态"), by_status, choices=[("open", _l("未关闭")), *RequestStatus.choices]),
                 text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
                 choice_filter("kind", _l("类型"), RequestKind.choices),
                 choice_filter("department", _l("部门"), Department.choices),
                 Filter("overdue", _l("逾期"), lambda qs, v: qs.filter(due_at__lt=now),
                        choices=[("1", _l("只看已逾期"))])],
        default_sort="due")


def countdown(row, now) -> None:
    """The server's words for a row's countdown (the page's script keeps it running)."""
    row.overdue = bool(row.due_at and row.due_at < now)
    row.countdown = ""
    row.due_part = PARTS.get((row.due_key or "").rpartition(":")[2], "")
    if row.due_at:
        words = span_words(row.due_at - now)
        row.countdown = (_("已超时 %(s)s") if row.overdue else _("剩余 %(s)s")) % {"s": words}
