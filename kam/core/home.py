"""Home-page panels (issue 13): what each role sees first — figures, charts and short lists — contributed by
the apps that own the data, so that the workbench renders them without importing the chapters.

An app registers its panels in `AppConfig.ready()`:

    register_panel(HomePanel("service.sla", _("绿色通道时限"), (Role.HEAD_OF_SALES, Role.MANAGEMENT),
                             load=sla_panel, order=40))

`load(*, user, now)` returns the panel's content — a `PanelData` (figures, charts, tables, items) rendered by the
generic template, or a dict for a panel with its own template — or None when there is nothing to show to this
user. It reads indexed rows and aggregates only (stored obligations, approvals, GROUP BY queries): a fixed
number of queries whatever the number of accounts, never an engine evaluation.

The account manager's per-account panel (tier, last contact and visit, next due, open tickets and requests)
is a table whose columns are registered the same way (`AccountColumn`): each loader answers for all the
manager's accounts at once (`load(*, user, customer_ids, now) -> {customer_id: Cell}`).

Panel order on the page (`order`), by convention:
     1– 9  the person's own work (my day, the per-account table)
    10–19  approvals waiting for the person
    20–29  compliance: by rule and manager, trend, what is overdue and whose
    30–39  the key-account programme: key and core accounts, their share of sales and purchases
    40–49  service levels: green channel (A11), customer requests (A15)
    50–59  receivables (A17) — reserved: the receivables chapter registers "receivables.overdue" (overdue
           receivables by age bucket) for the head of sales, management and finance at order 50
    60–69  department queues and what is assigned to the person
    70–79  risks
    80–99  system (the administrator: users, log-ins, sweep, outbox, calendar years)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

#: the reserved slot (see the module docstring): a panel registered under this key is shown at this order
RECEIVABLES_SLOT = ("receivables.overdue", 50)


@dataclass(frozen=True)
class Figure:
    """One number on a home page, linked to the list behind it (the list counts the same rows)."""

    key: str  # stable id (data-figure) for tests and anchors
    label: Any
    value: Any  # an int (a count) or a formatted text (a percentage, an amount)
    url: str = ""
    tone: str = ""  # "", "ok", "warn", "bad"
    note: Any = ""  # a small line under the label (e.g. "23/25", "同比 +12%")
    count: bool = True  # the value is a count of the rows the linked list shows


@dataclass(frozen=True)
class Series:
    name: Any
    values: Sequence[int | float | Decimal | None]
    kind: str = "bar"  # bar | line
    stack: str = ""  # series with the same stack are stacked
    color: str = ""  # "", "ok", "warn", "bad", "accent", "muted"


@dataclass(frozen=True)
class Chart:
    """A chart drawn by ECharts from json_script data (kam/core/static/kam/charts.js) and, for those who prefer
    numbers, the same data as a table (a <details> under the chart)."""

    key: str  # the json_script id and the element's data-kchart
    title: Any  # accessible name (aria-label) and the table's caption
    labels: Sequence[Any]
    series: Sequence[Series]
    unit: str = ""  # "" (counts), "%" or "yuan"
    links: Sequence[str] = ()  # per label: the list behind that bar / point (in the table view)
    empty: Any = ""  # said instead of the chart when there is nothing to draw (default: 暂无数据)

    def as_json(self) -> dict:
        def num(v):
            if v is None:
                return None
            return float(v) if isinstance(v, Decimal) else v

        return {"labels": [str(label) for label in self.labels], "unit": self.unit,
                "series": [{"name": str(s.name), "type": s.kind, "stack": s.stack, "color": s.color,
                            "data": [num(v) for v in s.values]} for s in self.series]}

    @property
    def has_data(self) -> bool:
        """Something to draw (a chart of nothing but gaps is replaced by a line saying so)."""
        return any(v is not None for s in self.series for v in s.values)

    def rows(self) -> list[tuple[Any, str, list[str]]]:
        """The table view: one row per label (label, link, the series' values formatted)."""
        links = list(self.links) + [""] * (len(self.labels) - len(self.links))
        return [(label, links[i], [format_value(s.values[i] if i < len(s.values) else None, self.unit)
                                   for s in self.series])
                for i, label in enumerate(self.labels)]


@dataclass(frozen=True)
class Cell:
    text: Any
    url: str = ""
    tone: str = ""  # "", "ok", "warn", "bad", "muted"
    num: bool = False  # right-aligned figure


@dataclass(frozen=True)
class Table:
    key: str
    columns: Sequence[Any]
    rows: Sequence[Sequence[Cell]]
    caption: Any = ""
    empty: Any = ""
    num_from: int = 1  # columns from this index on are figures (right-aligned)


@dataclass(frozen=True)
class Item:
    """A line of a short list (approvals waiting, what is assigned to me)."""

    text: Any
    url: str = ""
    meta: Any = ""
    tone: str = ""


@dataclass
class PanelData:
    figures: list[Figure] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    note: Any = ""  # a line under the title (period, rule ids)
    more_url: str = ""  # "查看全部" link
    more_label: Any = ""
    empty: Any = ""  # shown when there is nothing else


@dataclass(frozen=True)
class HomePanel:
    key: str
    title: Any
    roles: tuple[str, ...]  # who sees it (any of them)
    load: Callable[..., Any]  # (*, user, now) -> PanelData | dict | None (None: not shown)
    template: str = "core/home/_panel.html"
    order: int = 100
    wide: bool = False  # the full width of the page (else in the grid)
    rule: str = ""  # the rule it reports on, cited next to the title
    frame: bool = True  # drawn as a card with its title (False: the template draws its own sections)


@dataclass(frozen=True)
class AccountColumn:
    key: str
    title: Any
    load: Callable[..., dict]  # (*, user, customer_ids, now) -> {customer_id: Cell}
    order: int = 100


_panels: list[HomePanel] = []
_columns: list[AccountColumn] = []


def register_panel(*panels: HomePanel) -> None:
    for panel in panels:
        _panels[:] = sorted([p for p in _panels if p.key != panel.key] + [panel], key=lambda p: (p.order, p.key))


def register_account_column(*columns: AccountColumn) -> None:
    for column in columns:
        _columns[:] = sorted([c for c in _columns if c.key != column.key] + [column], key=lambda c: (c.order, c.key))


def panels_for(user) -> list[HomePanel]:
    """The registered panels of the user's roles, in page order."""
    return [p for p in _panels if user.has_role(*p.roles)]


def account_columns() -> list[AccountColumn]:
    return list(_columns)


def format_value(value, unit: str = "") -> str:
    """A figure as shown in tables: 1,234 · 92% · ¥1,234,567 · — (no value)."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:g}%" if isinstance(value, float) else f"{value}%"
    if unit == "yuan":
        return f"¥{Decimal(value):,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def yuan_short(amount: Decimal | int | None) -> str:
    """An amount for a figure tile: ¥1,234 below ten thousand, ¥123.4万 (¥4,703万) above, ¥1.23亿 above a hundred
    million."""
    from django.utils.translation import get_language, gettext

    amount = Decimal(amount or 0)
    if (get_language() or "").startswith("en"):  # English counts in thousands: ¥47.0M, ¥1.09B
        for size, suffix in ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M")):
            if abs(amount) >= size:
                return f"¥{amount / size:,.2f}{suffix}" if suffix == "B" else f"¥{amount / size:,.1f}{suffix}"
        return f"¥{amount:,.0f}"
    if abs(amount) >= Decimal(100_000_000):
        return gettext("¥%(n)s亿") % {"n": f"{amount / Decimal(100_000_000):.2f}"}
    if abs(amount) >= Decimal(10_000):
        wan = amount / Decimal(10_000)
        return gettext("¥%(n)s万") % {"n": f"{wan:,.0f}" if abs(wan) >= 1000 else f"{wan:,.1f}"}
    return f"¥{amount:,.0f}"


def percent(part: int, whole: int) -> int | None:
    """Whole percent (None when nothing to divide)."""
    return round(100 * part / whole) if whole else None
