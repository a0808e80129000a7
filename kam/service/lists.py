"""The ticket list's declaration (kam.core.lists): columns, filters, default order by due time (issue 13)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from kam.core.lists import Column, Filter, ListSpec, choice_filter, text_filter
from kam.obligations.feedback import span_words
from kam.service.forms import technicians as technician_users
from kam.service.models import TicketStatus

DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def local_time(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def ticket_spec() -> ListSpec:
    """The ticket list: due time, countdown and state (paused included), sorted by due by default (issue 13)."""
    now = timezone.now()
    statuses = [("open", _l("未完成")), ("paused", _l("上门计时暂停中")), *TicketStatus.choices]

    def by_status(qs, value):
        if value == "open":
            return qs.exclude(status__in=DONE)
        if value == "paused":
            return qs.filter(pause_reason__isnull=False)
        return qs.filter(status=value)

    technicians = [(str(u.pk), str(u)) for u in technician_users().order_by("display_name", "username")]
    return ListSpec(
        name="service.tickets",
        columns=[Column("number", _l("工单号"), order_by="number", template="service/_ticket_link.html"),
                 Column("customer", _l("客户"), order_by="customer__name", value=lambda t: t.customer.name),
                 Column("reported_at", _l("报修时间"), order_by="reported_at", value=lambda t: local_time(t.reported_at)),
                 Column("due", _l("截止"), order_by="due_sort", template="service/_due_cell.html"),
                 Column("state", _l("状态"), order_by="status", template="service/_state_cell.html"),
                 Column("site_city", _l("城市"), order_by="site_city"),
                 Column("technician", _l("技术员"), order_by="technician__display_name",
                        value=lambda t: t.technician or "—"),
                 Column("problem", _l("问题"), value=lambda t: t.problem[:40], default=False),
                 Column("responded_at", _l("响应时间"), order_by="responded_at", default=False,
                        value=lambda t: local_time(t.responded_at))],
        filters=[Filter("status", _l("状态"), by_status, choices=statuses),
                 text_filter("customer", _l("客户"), "customer__name", placeholder=_l("客户名称")),
                 choice_filter("technician", _l("技术员"), technicians, field_name="technician_id"),
                 Filter("overdue", _l("逾期"), lambda qs, v: qs.filter(due_at__lt=now),
                        choices=[("1", _l("只看已逾期"))])],
        default_sort="due")


def countdown(row, now) -> None:
    """The server's words for a row's countdown (the page's script keeps it running)."""
    row.overdue = bool(row.due_at and row.due_at < now)
    row.countdown = ""
    if row.due_at:
        words = span_words(row.due_at - now)
        row.countdown = (_("已超时 %(s)s") if row.overdue else _("剩余 %(s)s")) % {"s": words}
