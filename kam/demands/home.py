"""Home-page panels of customer requests (A15, issue 13): the share answered on time this period with its weekly
trend, the requests still open, and those assigned to the person — stored obligations and aggregates only."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.core.home import Cell, Chart, Figure, Item, PanelData, Series
from kam.demands.models import RequestStatus
from kam.demands.selectors import requests_visible
from kam.obligations.home import on_time, on_time_figures, on_time_weekly
from kam.users.models import User

RULES = ["A15.1"]


def sla_panel(*, user: User, now: dt.datetime) -> PanelData:
    """Three queries: on time by rule, the weekly trend, the requests not closed (what the list shows)."""
    results = on_time(rules=RULES, now=now)
    labels, values = on_time_weekly(rules=RULES, now=now)
    open_count = requests_visible(user=user).exclude(status=RequestStatus.CLOSED).count()
    return PanelData(
        figures=[*on_time_figures(results, key="sla"),
                 Figure("requests_open", _("未关闭的需求"), open_count, reverse("demands:list") + "?status=open")],
        charts=[Chart("chart-sla-requests", _("近 12 周客户需求按时率"), labels,
                      [Series(_("按时率"), values, kind="line", color="ok")], unit="%",
                      empty=_("近 12 周没有到期的需求时限"))],
        note=_("本期（上月与本月）已到期的时限中按时完成的比例。"))


def assigned_panel(*, user: User, now: dt.datetime) -> PanelData:
    """Requests assigned to the person and not yet answered with an outcome, oldest first (one query)."""
    received = _("收到")  # outside the f-string, where makemessages finds it
    rows = list(requests_visible(user=user).filter(assignee=user).exclude(
        status__in=[RequestStatus.SOLVED, RequestStatus.CLOSED]).order_by("received_at")[:10])
    return PanelData(items=[Item(f"{r.customer.name} · {r.get_kind_display()}", reverse("demands:detail", args=[r.pk]),
                                 f"{r.get_status_display()} · {received} {timezone.localtime(r.received_at):%m-%d %H:%M}")
                            for r in rows], empty=_("没有指派给您的客户需求"))


def open_requests_by_customer(*, user: User, customer_ids: list[int], now: dt.datetime) -> dict[int, Cell]:
    """The account manager's per-account table: requests not closed of each account (one GROUP BY)."""
    rows = (requests_visible(user=user).filter(customer_id__in=customer_ids).exclude(status=RequestStatus.CLOSED)
            .values("customer_id").annotate(n=Count("id", distinct=True)).order_by())
    return {r["customer_id"]: Cell(r["n"], reverse("customers:detail", args=[r["customer_id"]]) + "#section-requests",
                                   "warn", num=True) for r in rows}
