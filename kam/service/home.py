"""Home-page panels of the green channel (A11, issue 13): the share of first responses and on-site visits on
time this period with its weekly trend, the open tickets, and the tickets assigned to the technician — read from
stored obligations and aggregates only."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.home import Cell, Chart, Figure, Item, PanelData, Series
from kam.obligations.home import on_time, on_time_figures, on_time_weekly
from kam.service.models import TicketStatus
from kam.service.selectors import tickets
from kam.users.models import User

RULES = ["A11.1", "A11.2"]
CLOSED = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def sla_panel(*, user: User, now: dt.datetime) -> PanelData:
    """Three queries: on time by rule, the weekly trend, the open tickets."""
    results = on_time(rules=RULES, now=now)
    labels, values = on_time_weekly(rules=RULES, now=now)
    open_count = tickets(user=user).exclude(status__in=CLOSED).count()
    return PanelData(
        figures=[*on_time_figures(results, key="sla"),
                 Figure("tickets_open", _("在办工单"), open_count, reverse("service:tickets") + "?status=open")],
        charts=[Chart("chart-sla-tickets", _("近 12 周绿色通道按时率"), labels,
                      [Series(_("按时率"), values, kind="line", color="ok")], unit="%",
                      empty=_("近 12 周没有到期的绿色通道时限"))],
        note=_("本期（上月与本月）已到期的时限中按时完成的比例。"))


def assigned_panel(*, user: User, now: dt.datetime) -> PanelData:
    """The technician's open tickets, the earliest reported first (one query)."""
    reported = _("报修")  # outside the f-string, where makemessages finds it
    rows = list(tickets(user=user).filter(technician=user).exclude(status__in=CLOSED).order_by("reported_at")[:10])
    return PanelData(items=[Item(f"{t.number} · {t.customer.name}", reverse("service:ticket", args=[t.pk]),
                                 f"{t.get_status_display()} · {reported} {timezone.localtime(t.reported_at):%m-%d %H:%M}")
                            for t in rows], empty=_("没有指派给您的在办工单"))


def open_tickets_by_customer(*, user: User, customer_ids: list[int], now: dt.datetime) -> dict[int, Cell]:
    """The account manager's per-account table: open tickets of each account (one GROUP BY)."""
    rows = (tickets(user=user).filter(customer_id__in=customer_ids).exclude(status__in=CLOSED)
            .values("customer_id").annotate(n=Count("id")).order_by())
    return {r["customer_id"]: Cell(r["n"], reverse("customers:detail", args=[r["customer_id"]]) + "#section-tickets",
                                   "warn", num=True) for r in rows}
