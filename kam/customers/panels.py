"""What other chapters contribute to a customer's page (the dossier, A6.1), without the dossier importing them:

* **panels** — sections: after-sales records, requests, communication records …;
* **figures** — the header's figures people look for first: open tickets, open requests, last contact and visit,
  purchases, receivables … (each chapter's values are subqueries of one query on the customer's row, whatever
  the data size and however many chapters contribute);
* **activities** — the kinds of entry of the activity timeline: contacts, visits, tickets, requests, orders,
  invoices, dossier edits; each loader returns its newest entries before a cursor, one query.

Each contributing app registers in its `AppConfig.ready()`; every loader reads through the contributing app's
own selectors, scoped to the user."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CustomerPanel:
    key: str  # the section's id on the page: section-<key>
    title: Any  # a (lazy) label
    template: str  # renders `rows`
    load: Callable[..., list | None]  # (*, user, customer) -> rows; None: the user does not see the section
    order: int = 100
    wide: bool = False  # a full-width section (else two side by side)
    #: optional, the same rows as a bounded queryset and the fields its template reads (`a__b` through a relation;
    #: None: every column): (*, user, customer) -> (queryset, fields) | None. The dossier then reads the panel
    #: with its other satellites in one query (kam.core.rowsets) instead of calling `load` (issue 11).
    query: Callable[..., tuple[Any, list[str] | None] | None] | None = None
    #: optional, with `query`: (rows, *, user, customer) -> what the template gets as `rows` (e.g. a list carrying
    #: the user's links), computed without queries
    finish: Callable[..., Any] | None = None


def load_from(query: Callable[..., tuple[Any, list[str] | None] | None],
              finish: Callable[..., Any] | None = None) -> Callable[..., Any]:
    """A panel's `load` made from its `query` (and `finish`), for a panel that gives its rows as a queryset: the
    same rows, read on their own."""

    def load(*, user, customer):
        q = query(user=user, customer=customer)
        if q is None:
            return None
        rows = list(q[0])
        return finish(rows, user=user, customer=customer) if finish is not None else rows

    return load


_panels: list[CustomerPanel] = []


def register_panel(panel: CustomerPanel) -> None:
    _panels[:] = sorted([p for p in _panels if p.key != panel.key] + [panel], key=lambda p: p.order)


def customer_panels() -> list[CustomerPanel]:
    return list(_panels)


# --- header figures -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Figure:
    """One figure of the customer page's header: a label, the value as shown, an optional second line and the
    list or section behind it; `tone` is "bad" / "warn" / "ok" / "" (how the value is coloured)."""

    key: str
    label: Any
    value: Any
    note: Any = ""
    url: str = ""
    tone: str = ""
    order: int = 100


@dataclass(frozen=True)
class FigureSource:
    """A chapter's header figures in two steps, so that every chapter's figures come from one query: `values`
    gives expressions over the customer's row (scalar subqueries: `subtotal(…)`, or correlated on
    `OuterRef("pk")`), `figures` turns what they computed into figures (no query)."""

    key: str
    values: Callable[..., dict[str, Any]]  # (*, user, customer, now) -> {name: expression}
    figures: Callable[..., list[Figure]]  # (values, *, user, customer, now) -> figures
    order: int = 100


_figures: list[FigureSource] = []


def register_figures(key: str, values: Callable[..., dict[str, Any]], figures: Callable[..., list[Figure]], *,
                     order: int = 100) -> None:
    """A chapter's header figures for a customer (e.g. the green channel's open tickets)."""
    _figures[:] = sorted([f for f in _figures if f.key != key] + [FigureSource(key, values, figures, order)],
                         key=lambda f: f.order)


def figure_sources() -> list[FigureSource]:
    return list(_figures)


def subtotal(qs, aggregate):
    """One aggregate of a queryset of the customer's rows (rows with a `customer` key, filtered to the customer)
    as a scalar subquery: NULL when there is no row. The row they are computed on is the customer as the user
    may see it (`load_figures`): a customer the user may not see gives no values at all."""
    from django.db.models import Subquery

    return Subquery(qs.order_by().values("customer_id").annotate(v=aggregate).values("v")[:1])


def load_figures(*, user, customer, now: dt.datetime, sources: list[FigureSource] | None = None) -> list[Figure]:
    """Every registered chapter's figures for the customer — one query in all, each value a subquery of the
    customer's row as the user may see it (scoped once, here: the values themselves are the customer's rows)."""
    from kam.customers.selectors import customers_visible

    sources = figure_sources() if sources is None else sources
    per_source = {s.key: s.values(user=user, customer=customer, now=now) for s in sources}
    expressions = {f"{key}__{name}": e for key, values in per_source.items() for name, e in values.items()}
    row = customers_visible(user=user).filter(pk=customer.pk).annotate(**expressions).values(
        *expressions).first() if expressions else {}
    row = row or {}
    figures: list[Figure] = []
    for s in sources:
        values = {name: row.get(f"{s.key}__{name}") for name in per_source[s.key]}
        figures += s.figures(values, user=user, customer=customer, now=now)
    return figures


# --- the activity timeline ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One line of a customer's activity timeline. `day_only`: the fact has a date, not a time (orders,
    invoices); `person_id` is the staff member who did it (None for facts imported from the ERP)."""

    kind: str
    at: dt.datetime
    title: str
    text: str = ""
    person: str = ""
    person_id: int | None = None
    url: str = ""
    day_only: bool = False
    tone: str = ""  # "bad" / "warn" / "ok" / ""


def day_entry_at(day: dt.date) -> dt.datetime:
    """Where a dated fact (an order, an invoice) sits on the timeline: the start of its day, Beijing time."""
    from django.utils import timezone

    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_default_timezone())


def days_within(since: dt.datetime | None, until: dt.datetime | None) -> tuple[dt.date | None, dt.date | None]:
    """The first and last day whose `day_entry_at` lies in [since, until) — the date filter of a dated kind."""
    from django.utils import timezone

    first = last = None
    if since is not None:
        local = timezone.localtime(since)
        first = local.date() if local.time() == dt.time(0) else local.date() + dt.timedelta(days=1)
    if until is not None:
        local = timezone.localtime(until)
        last = local.date() if local.time() != dt.time(0) else local.date() - dt.timedelta(days=1)
    return first, last


@dataclass(frozen=True)
class ActivityKind:
    kind: str
    label: Any
    load: Callable[..., list[Entry]]  # (*, user, customer, since, until, person, limit) -> newest first
    order: int = 100
    has_person: bool = True  # False: facts without a staff member (a person filter shows none of them)
    #: optional: the same as a queryset — (*, user, customer, since, until, person, limit) -> (sliced queryset,
    #: fields its entries read) or None (no entry) — and `entry(row) -> Entry`; the timeline then reads every such
    #: kind in one query (kam.core.rowsets) instead of one per kind (issue 11)
    query: Callable[..., tuple[Any, list[str] | None] | None] | None = None
    entry: Callable[[Any], Entry] | None = None


_activities: list[ActivityKind] = []


def entries_loader(query: Callable[..., tuple[Any, list[str] | None] | None],
                   entry: Callable[[Any], Entry]) -> Callable[..., list[Entry]]:
    """A kind's `load` from its `query` and `entry` (one query of its own)."""
    def load(**kwargs) -> list[Entry]:
        q = query(**kwargs)
        return [] if q is None else [entry(row) for row in q[0]]
    return load


def register_activity(kind: str, label: Any, load: Callable[..., list[Entry]] | None = None, *, order: int = 100,
                      has_person: bool = True, query: Callable[..., tuple[Any, list[str] | None] | None] | None = None,
                      entry: Callable[[Any], Entry] | None = None) -> None:
    """`load(*, user, customer, since, until, person, limit)` returns at most `limit` entries of this kind with
    `since <= at < until` (either may be None), done by `person` (a user id, or None for everyone), newest
    first — in one query, scoped to what `user` may see. Or, better, `query` (the same arguments: the sliced
    queryset and the fields `entry` reads, or None) and `entry` (a row to its Entry): the timeline then reads
    all such kinds together, in one query."""
    if load is None:
        if query is None or entry is None:
            raise ValueError("an activity kind needs `load`, or `query` and `entry`")
        load = entries_loader(query, entry)
    _activities[:] = sorted([a for a in _activities if a.kind != kind] + [
        ActivityKind(kind, label, load, order, has_person, query, entry)], key=lambda a: a.order)


def activity_kinds() -> list[ActivityKind]:
    return list(_activities)


@dataclass
class Timeline:
    entries: list[Entry]
    before: dt.datetime | None  # the cursor of the next page ("更多"), None when this is the last page


def timeline(*, user, customer, kinds: list[str] | None = None, person: int | None = None,
             since: dt.datetime | None = None, until: dt.datetime | None = None, size: int = 50) -> Timeline:
    """The newest `size` entries before `until`, merged across the registered kinds: the kinds that give a
    queryset in one query together (each kind's newest rows a JSON column of it), the others one query each.

    A page ends on a change of time, so that the next page (`at < before`) neither repeats nor skips the entries
    that share the last time shown."""
    from kam.core.rowsets import RowSet
    from kam.customers.models import Customer

    merged: list[Entry] = []
    together: list[tuple[Callable[[Any], Entry], RowSet]] = []
    args = {"user": user, "customer": customer, "since": since, "until": until, "person": person, "limit": size + 1}
    for a in _activities:
        if kinds and a.kind not in kinds:
            continue
        if person is not None and not a.has_person:
            continue
        if a.query is not None and a.entry is not None:
            q = a.query(**args)
            if q is not None:
                together.append((a.entry, RowSet(*q)))
            continue
        merged += a.load(**args)
    if together:
        columns = {f"_k{i}": rs.expression for i, (_e, rs) in enumerate(together)}
        row = Customer.objects.filter(pk=customer.pk).annotate(**columns).values(*columns).first() or {}
        for i, (entry, rs) in enumerate(together):
            merged += [entry(obj) for obj in rs.load(row.get(f"_k{i}"))]
    merged.sort(key=lambda e: e.at, reverse=True)
    if len(merged) <= size:
        return Timeline(merged, None)
    cut = size
    while cut > 0 and merged[cut - 1].at == merged[cut].at:
        cut -= 1
    if cut == 0:  # more than a page at one instant: show the page (rare; the rest of that instant is skipped)
        cut = size
    page = merged[:cut]
    return Timeline(page, page[-1].at)
