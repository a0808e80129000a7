"""Home-page panels of the obligations engine (issue 13), read from stored obligations only (indexed rows and
GROUP BY queries, never an engine evaluation): my day, compliance by rule and manager with the weekly trend,
what is overdue and whose, the accounts most at risk, a department's queue, the sweep's health — and the
service-level helpers the chapters' panels share (`on_time`, `on_time_weekly`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kam.core.home import Cell, Chart, Figure, Item, PanelData, Series, Table, percent
from kam.obligations import selectors
from kam.obligations.models import State, StoredObligation, SweepRun
from kam.obligations.periods import period_of
from kam.policy.rules import rule_title
from kam.users.models import Role, User


def _compliance_url(**params) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    return reverse("compliance") + (f"?{query}#detail" if query else "")


def _window_start(now: dt.datetime) -> dt.datetime:
    """The compliance overview's period: the previous month and this one (see selectors.compliance)."""
    return period_of("month", now).previous().start


def _period_note(now: dt.datetime) -> str:
    start = timezone.localtime(_window_start(now)).date()
    return _("统计期：%(start)s 起至今（上月与本月）") % {"start": f"{start:%Y-%m-%d}"}


# --- the person's own work ----------------------------------------------------------------------------------

def my_day_panel(*, user: User, now: dt.datetime) -> dict:
    """The account manager's home begins with my day as it is: overdue, due today, this week, done."""
    day = selectors.my_day(user=user, now=now)
    return {"day": day, "rule_counts": sorted(day.per_rule.items())}


def my_day_summary(*, user: User, now: dt.datetime) -> PanelData | None:
    """The head of sales' own clocks (reviews, escalations to assign …), as three figures linking to my day."""
    day = selectors.my_day(user=user, now=now)
    url = reverse("my_day")
    return PanelData(figures=[
        Figure("my_overdue", _("已逾期"), len(day.overdue), f"{url}#overdue", "bad" if day.overdue else ""),
        Figure("my_today", _("今天到期 / 即将到期"), len(day.today), f"{url}#today", "warn" if day.today else ""),
        Figure("my_week", _("本周"), len(day.week), f"{url}#week")], more_url=url, more_label=_("打开我的一天"))


# --- compliance ---------------------------------------------------------------------------------------------

def _totals(overview: selectors.Compliance) -> tuple[Counter, dict[str, Counter], dict[str, Counter]]:
    total: Counter = Counter()
    by_rule: dict[str, Counter] = {}
    by_owner: dict[str, Counter] = {}
    for row in overview.rows:
        owner = by_owner.setdefault(row.owner_key, Counter())
        for rule, cell in row.cells.items():
            by_rule.setdefault(rule, Counter()).update(cell)
            owner.update(cell)
            total.update(cell)
    return total, by_rule, by_owner


def _trend_chart(key: str, trend: list[selectors.WeekTrend], title) -> Chart:
    return Chart(key, title, [w.key.split("-")[-1] for w in trend],
                 [Series(_("完成率"), [w.percent for w in trend], kind="line", color="accent")], unit="%",
                 empty=_("近 12 周没有到期事项"))


def compliance_panel(*, user: User, now: dt.datetime) -> PanelData:
    """The head of sales: compliance by rule and by manager this period, and the share met of what fell due in
    each of the last 12 weeks — two queries (the overview's GROUP BY and the trend's aggregate)."""
    overview = selectors.compliance(user=user, now=now, weeks=12)
    total, by_rule, by_owner = _totals(overview)
    ended = total["met"] + total["breached"]
    rate = percent(total["met"], ended)
    figures = [
        Figure("compliance_met", _("已完成"), total["met"], _compliance_url(state="met"), "ok"),
        Figure("compliance_open", _("进行中"), total["open"], _compliance_url(state="open")),
        Figure("compliance_breached", _("已逾期"), total["breached"], _compliance_url(state="breached"),
               "bad" if total["breached"] else ""),
        Figure("compliance_rate", _("完成率"), f"{rate}%" if rate is not None else "—", reverse("compliance"),
               "ok" if rate is not None and rate >= 90 else ("warn" if rate is not None else ""),
               note=_("%(met)s/%(ended)s 项已到期") % {"met": total["met"], "ended": ended}, count=False),
    ]
    if total["error"]:
        figures.append(Figure("compliance_error", _("无法判定"), total["error"], _compliance_url(state="error"),
                              "warn"))
    rules = overview.rules
    by_rule_chart = Chart(
        "chart-compliance-rules", _("按规则：已完成 / 进行中 / 已逾期"), rules,
        [Series(_("已完成"), [by_rule[r]["met"] for r in rules], stack="n", color="ok"),
         Series(_("进行中"), [by_rule[r]["open"] for r in rules], stack="n", color="muted"),
         Series(_("已逾期"), [by_rule[r]["breached"] for r in rules], stack="n", color="bad")],
        links=[_compliance_url(rule=r) for r in rules])
    owners = Table("compliance-owners", [_("负责人"), _("已完成"), _("进行中"), _("已逾期"), _("完成率")], [
        [Cell(row.owner, _compliance_url(owner=row.owner_key)),
         Cell(by_owner[row.owner_key]["met"], num=True),
         Cell(by_owner[row.owner_key]["open"], num=True),
         Cell(by_owner[row.owner_key]["breached"], _compliance_url(owner=row.owner_key, state="breached")
              if by_owner[row.owner_key]["breached"] else "", "bad" if by_owner[row.owner_key]["breached"] else "",
              num=True),
         Cell(_rate_text(by_owner[row.owner_key]), num=True)]
        for row in overview.rows], caption=_("按负责人"), empty=_("本期没有到期事项"))
    return PanelData(figures=figures, charts=[by_rule_chart, _trend_chart(
        "chart-compliance-trend", overview.trend, _("近 12 周到期事项完成率"))], tables=[owners],
        note=_period_note(now), more_url=reverse("compliance"), more_label=_("打开执行总览"))


def _rate_text(cell: Counter) -> str:
    rate = percent(cell["met"], cell["met"] + cell["breached"])
    return f"{rate}%" if rate is not None else "—"


def trend_panel(*, user: User, now: dt.datetime) -> PanelData:
    """Management: the programme's compliance trend over 12 weeks — one aggregate query."""
    trend = selectors.weekly_trend(now=now, weeks=12)
    due, met = sum(w.due for w in trend), sum(w.met for w in trend)
    last = next((w for w in reversed(trend[:-1]) if w.due), None)  # the last complete week with anything due
    rate = percent(met, due)
    figures = [Figure("trend_rate", _("近 12 周完成率"), f"{rate}%" if rate is not None else "—",
                      reverse("compliance"), note=_("%(met)s/%(due)s 项") % {"met": met, "due": due}, count=False)]
    if last is not None:
        figures.append(Figure("trend_last_week", _("上周完成率"), f"{last.percent}%", reverse("compliance"),
                              note=last.key, count=False))
    return PanelData(figures=figures, charts=[_trend_chart("chart-trend", trend, _("近 12 周到期事项完成率"))],
                     more_url=reverse("compliance"), more_label=_("打开执行总览"))


def overdue_panel(*, user: User, now: dt.datetime) -> PanelData:
    """What is overdue this period and whose: breached clocks by owner (one GROUP BY), each linked to its list."""
    rows = (StoredObligation.objects.filter(due_at__gt=_window_start(now), window_start__lte=now)
            .filter(selectors.cell_state_q("breached", now=now))
            .values("owner_id", "owner__display_name", "owner__username", "owner_role")
            .annotate(n=Count("id"), explained=Count("id", filter=Q(acknowledged_at__isnull=False)))
            .order_by("-n"))
    table_rows = []
    total = 0
    for r in rows:
        if r["owner_id"]:
            key, name = f"u{r['owner_id']}", r["owner__display_name"] or r["owner__username"]
        else:
            key, name = f"r{r['owner_role']}", _role_label(r["owner_role"])
        total += r["n"]
        table_rows.append([Cell(name, _compliance_url(owner=key)),
                           Cell(r["n"], _compliance_url(owner=key, state="breached"), "bad", num=True),
                           Cell(r["explained"], num=True)])
    return PanelData(
        figures=[Figure("overdue_total", _("本期已逾期"), total, _compliance_url(state="breached"),
                        "bad" if total else "ok")],
        tables=[Table("overdue-owners", [_("负责人"), _("已逾期"), _("其中已说明")], table_rows,
                      empty=_("本期没有逾期事项"))],
        note=_period_note(now))


def _role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return _("未指定")


def risks_panel(*, user: User, now: dt.datetime) -> PanelData:
    """Top risks: the accounts with the most breached clocks not yet explained (one GROUP BY, top five)."""
    rows = (selectors.live().filter(state=State.BREACHED, acknowledged_at__isnull=True, customer__isnull=False)
            .values("customer_id", "customer_name").annotate(n=Count("id"), rules=Count("rule", distinct=True))
            .order_by("-n", "customer_name")[:5])
    items = [Item(r["customer_name"], reverse("customers:detail", args=[r["customer_id"]]),
                  _("%(n)s 项逾期（%(rules)s 条规则）") % {"n": r["n"], "rules": r["rules"]}, "bad") for r in rows]
    return PanelData(items=items, empty=_("没有未说明的逾期事项"))


# --- service levels (shared by the green channel's and the requests' panels) -----------------------------------

@dataclass(frozen=True)
class OnTime:
    rule: str
    on_time: int
    late: int  # met late or breached

    @property
    def ended(self) -> int:
        return self.on_time + self.late

    @property
    def percent(self) -> int | None:
        return percent(self.on_time, self.ended)

    @property
    def title(self) -> str:
        return rule_title(self.rule)


def _on_time_q(now: dt.datetime) -> tuple[Q, Q]:
    on_time = Q(state=State.MET)
    late = Q(state=State.MET_LATE) | Q(state=State.BREACHED, due_at__lte=now)
    return on_time, late


def on_time(*, rules: list[str], now: dt.datetime) -> list[OnTime]:
    """Per rule, clocks of this period (the compliance overview's) that ended: on time vs late — one query."""
    on, late = _on_time_q(now)
    rows = {r["rule"]: r for r in StoredObligation.objects.filter(
        rule__in=rules, due_at__gt=_window_start(now), window_start__lte=now).values("rule").annotate(
        on=Count("id", filter=on), late=Count("id", filter=late)).order_by()}
    return [OnTime(rule, rows.get(rule, {}).get("on", 0), rows.get(rule, {}).get("late", 0)) for rule in rules]


def on_time_weekly(*, rules: list[str], now: dt.datetime, weeks: int = 12) -> tuple[list[str], list[int | None]]:
    """Share on time of the clocks of `rules` that fell due (or were met) in each of the last weeks — one query."""
    periods = []
    week = period_of("week", now)
    for _i in range(weeks):
        periods.append(week)
        week = week.previous()
    periods.reverse()
    on, late = _on_time_q(now)
    aggregates = {}
    for i, w in enumerate(periods):
        in_week = Q(due_at__gt=w.start, due_at__lte=w.end)
        aggregates[f"o{i}"] = Count("id", filter=in_week & on)
        aggregates[f"l{i}"] = Count("id", filter=in_week & late)
    counts = StoredObligation.objects.filter(rule__in=rules, due_at__gt=periods[0].start).aggregate(**aggregates)
    return ([w.key.split("-")[-1] for w in periods],
            [percent(counts[f"o{i}"] or 0, (counts[f"o{i}"] or 0) + (counts[f"l{i}"] or 0))
             for i in range(len(periods))])


def on_time_figures(results: list[OnTime], *, key: str) -> list[Figure]:
    figures = []
    for r in results:
        rate = r.percent
        tone = "" if rate is None else ("ok" if rate >= 90 else ("warn" if rate >= 75 else "bad"))
        figures.append(Figure(f"{key}_{r.rule}", f"{r.rule} {r.title}", f"{rate}%" if rate is not None else "—",
                              _compliance_url(rule=r.rule), tone, count=False,
                              note=_("按时 %(on)s / 已到期 %(n)s") % {"on": r.on_time, "n": r.ended}))
    return figures


# --- department queues (A4) -----------------------------------------------------------------------------------

QUEUE_ROLES = {"after_sales": Role.AFTER_SALES, "marketing": Role.MARKETING, "finance": Role.FINANCE}


def queue_panel(department: str):
    def load(*, user: User, now: dt.datetime) -> PanelData | None:
        """A department's queue: due soon, breached, done this week, assigned to me (four counts), the completion
        trend (one aggregate) and the first items assigned to the person."""
        if not user.has_role(QUEUE_ROLES[department]):
            return None
        url = reverse("queue", args=[department])
        due_soon = selectors.queue(department=department, now=now, state="due_soon").count()
        breached = selectors.queue(department=department, now=now, state="breached").count()
        done = selectors.queue(department=department, now=now, state="done").count()
        mine_qs = selectors.queue(department=department, now=now, owner=user)
        mine, mine_count = list(mine_qs[:5]), mine_qs.count()
        trend = selectors.weekly_trend(now=now, weeks=12, extra=Q(queue=department))
        return PanelData(
            figures=[Figure(f"queue_{department}_due_soon", _("即将到期"), due_soon, f"{url}?state=due_soon",
                            "warn" if due_soon else ""),
                     Figure(f"queue_{department}_breached", _("已逾期"), breached, f"{url}?state=breached",
                            "bad" if breached else ""),
                     Figure(f"queue_{department}_done", _("本周完成"), done, f"{url}?state=done", "ok" if done else ""),
                     Figure(f"queue_{department}_mine", _("指派给我"), mine_count, f"{url}?mine=1")],
            charts=[_trend_chart(f"chart-queue-{department}", trend, _("近 12 周队列事项完成率"))],
            items=[Item(o.label, o.url, _("%(rule)s · 截止 %(due)s") % {
                "rule": o.rule, "due": f"{timezone.localtime(o.due_at):%m-%d %H:%M}"},
                "bad" if o.state == State.BREACHED else "") for o in mine],
            more_url=url, more_label=_("打开队列"))

    return load


# --- the administrator ----------------------------------------------------------------------------------------

def sweep_panel(*, user: User, now: dt.datetime) -> PanelData:
    """The sweep's health: the last complete run, what it evaluated and alerted, rules failing, clocks that
    cannot be evaluated — two queries."""
    last = SweepRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    errors = selectors.live().filter(state=State.ERROR).count()
    if last is None:
        return PanelData(figures=[Figure("sweep_errors", _("无法判定"), errors, count=False)],
                         empty=_("巡检尚未运行"))
    from django.conf import settings

    assert last.finished_at is not None  # noqa: S101 - filtered above
    age = now - last.finished_at
    limit = dt.timedelta(seconds=5 * int(getattr(settings, "SWEEP_SECONDS", 60)))
    failing = sorted(last.failed or {})
    return PanelData(figures=[
        Figure("sweep_age", _("上次巡检"), _("%(m)s 分钟前") % {"m": int(age.total_seconds() // 60)},
               tone="ok" if age <= limit else "bad", count=False,
               note=f"{timezone.localtime(last.finished_at):%m-%d %H:%M}"),
        Figure("sweep_evaluated", _("评估义务"), last.evaluated, count=False),
        Figure("sweep_alerts", _("产生提醒"), last.alerts, count=False),
        Figure("sweep_failing", _("出错规则"), len(failing), tone="bad" if failing else "ok", count=False,
               note="、".join(failing)),
        Figure("sweep_errors", _("无法判定"), errors, tone="warn" if errors else "ok", count=False)])


PANEL_TITLES = {
    "my_day": gettext_lazy("我的一天"),
    "my_summary": gettext_lazy("我的待办"),
    "compliance": gettext_lazy("制度执行（按规则与负责人）"),
    "trend": gettext_lazy("制度执行趋势"),
    "overdue": gettext_lazy("逾期事项与负责人"),
    "risks": gettext_lazy("主要风险：逾期最多的客户"),
    "sweep": gettext_lazy("巡检"),
}
