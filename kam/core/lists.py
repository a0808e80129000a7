"""The shared list component (issue 13): every list — customers, tickets, requests, audit, the lists later
chapters add — declares its columns and filters once and gets sortable headers, filters kept in the URL,
pagination with a total, a choice of columns, and per-user saved views ("my core accounts in 佛山").

    spec = ListSpec(name="service.tickets", columns=[Column("number", _("工单号"), order_by="number"), …],
                    filters=[ChoiceFilter("status", _("状态"), TicketStatus.choices)], default_sort="-reported_at")
    context = list_context(request, spec, selectors.tickets(user=request.user))
    {% include "core/_list.html" %}

The queryset comes from the page's own selector (scoped to the user); this module only orders, filters within
what the spec declares (unknown parameters are ignored, never passed to the database) and pages.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, QueryDict

from kam.core.models import SavedView

SORT, COLUMNS, PAGE, VIEW = "sort", "cols", "page", "view"


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    order_by: str | None = None  # a model field path; None: not sortable
    value: Callable[[Any], Any] | None = None  # how to show it (default: the attribute `key`)
    template: str | None = None  # or a cell template (gets `row` and `column`)
    default: bool = True  # shown unless the user chose otherwise
    css: str = ""  # e.g. "num"

    def cell(self, row) -> Any:
        if self.value is not None:
            return self.value(row)
        value: Any = row
        for part in self.key.split("__"):
            value = getattr(value, part, None) if value is not None else None
        return value


@dataclass(frozen=True)
class Filter:
    key: str
    label: Any
    apply: Callable[[QuerySet, str], QuerySet]
    choices: Sequence[tuple[str, Any]] = ()  # empty: a text box
    placeholder: Any = ""
    input_type: str = "text"  # text | date

    def clean(self, raw: str) -> str | None:
        raw = (raw or "").strip()[:100]
        if not raw:
            return None
        if self.choices and raw not in {str(k) for k, _label in self.choices}:
            return None  # not one of the offered values: ignored, never sent to the database
        if self.input_type == "date":
            import datetime as dt

            try:
                day = dt.date.fromisoformat(raw)
            except ValueError:
                return None
            if not (dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31)):
                return None
        return raw


def choice_filter(key: str, label, choices, field_name: str | None = None) -> Filter:
    name = field_name or key
    return Filter(key, label, lambda qs, v: qs.filter(**{name: v}), choices=choices)


def date_filter(key: str, label, lookup: str) -> Filter:
    """e.g. date_filter("since", _("起始"), "at__date__gte")."""
    return Filter(key, label, lambda qs, v: qs.filter(**{lookup: v}), input_type="date")


def text_filter(key: str, label, *fields: str, placeholder="") -> Filter:
    def apply(qs, value):
        q = Q()
        for f in fields:
            q |= Q(**{f"{f}__icontains": value})
        return qs.filter(q)

    return Filter(key, label, apply, placeholder=placeholder)


@dataclass
class ListSpec:
    name: str  # the saved views' key, e.g. "service.tickets"
    columns: list[Column]
    filters: list[Filter] = field(default_factory=list)
    default_sort: str = ""
    page_size: int = 50
    tiebreak: str = "-id"

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns if c.key == key), None)


@dataclass
class ListState:
    spec: ListSpec
    page: Any
    columns: list[Column]
    sort: str
    filters: list[tuple[Filter, str | None]]
    query: QueryDict
    saved_views: list = field(default_factory=list)
    current_view: Any = None

    @property
    def total(self) -> int:
        return self.page.paginator.count

    def sort_link(self, column: Column) -> str:
        q = self.query.copy()
        q.pop(PAGE, None)
        q[SORT] = column.key if self.sort != column.key else f"-{column.key}"
        return q.urlencode()

    def headers(self) -> list[dict]:
        out = []
        for c in self.columns:
            direction = "asc" if self.sort == c.key else "desc" if self.sort == f"-{c.key}" else ""
            out.append({"column": c, "link": self.sort_link(c) if c.order_by else "", "direction": direction})
        return out

    def rows(self) -> list[tuple[Any, list[tuple[Column, Any]]]]:
        return [(row, [(c, c.cell(row)) for c in self.columns]) for row in self.page]

    def query_without(self, *keys: str) -> str:
        q = self.query.copy()
        for k in keys:
            q.pop(k, None)
        return q.urlencode()

    @property
    def hidden_filters(self) -> list[tuple[Filter, str, str]]:
        """Filters set by a link (input_type "hidden", e.g. one account of a report): (filter, value, the query
        without it) — shown as a removable tag."""
        return [(f, v, self.query_without(f.key, PAGE)) for f, v in self.filters
                if f.input_type == "hidden" and v is not None]

    @property
    def query_to_save(self) -> str:
        return self.query_without(PAGE, VIEW, "col", "apply_cols")


def _query_of(request: HttpRequest, spec: ListSpec):
    """The request's parameters, or — when it has none but `?view=` — those of a saved view of the user."""
    query = request.GET.copy()
    current = None
    view_id = query.get(VIEW, "")
    user = getattr(request, "user", None)
    if view_id.isdigit() and user is not None and user.is_authenticated:
        current = SavedView.objects.filter(pk=int(view_id), user=user, list_name=spec.name).first()
        if current is not None:
            saved = QueryDict(current.query, mutable=True)
            for key in list(saved):
                if key not in query:
                    query.setlist(key, saved.getlist(key))
    return query, current


def filter_and_sort(spec: ListSpec, query: QueryDict, queryset: QuerySet) -> tuple[QuerySet, list, str]:
    """The spec's filters and sort as the query says (what the page shows, and what its export writes): the
    queryset, the filters with their cleaned values, the sort in force."""
    applied = []
    for f in spec.filters:
        value = f.clean(query.get(f.key, ""))
        applied.append((f, value))
        if value is not None:
            queryset = f.apply(queryset, value)
    sort = query.get(SORT, "") or spec.default_sort
    column = spec.column(sort.lstrip("-"))
    if column is None or not column.order_by:
        sort = spec.default_sort
        column = spec.column(sort.lstrip("-"))
    if column is not None and column.order_by:
        field_name = column.order_by
        queryset = queryset.order_by(f"-{field_name}" if sort.startswith("-") else field_name, spec.tiebreak)
    return queryset, applied, sort


def list_context(request: HttpRequest, spec: ListSpec, queryset: QuerySet, *, name: str = "lst",
                 defaults: dict[str, str] | None = None) -> dict:
    """Filter, sort and page the (already scoped) queryset as the request says; `defaults` are the parameters
    the page assumes when the request (and the saved view it names) does not give them — an empty value given is
    kept ("all"). The template gets `lst`."""
    query, current = _query_of(request, spec)
    for key, value in (defaults or {}).items():
        if key not in query:
            query[key] = value
    queryset, applied, sort = filter_and_sort(spec, query, queryset)
    if query.getlist("col"):  # the column chooser's checkboxes
        query.setlist(COLUMNS, [",".join(query.getlist("col"))])
        query.pop("col")
        query.pop("apply_cols", None)
    chosen = [k for k in query.get(COLUMNS, "").split(",") if spec.column(k)]
    columns = [c for c in spec.columns if (c.key in chosen if chosen else c.default)]
    page = Paginator(queryset, spec.page_size).get_page(query.get(PAGE))
    user = getattr(request, "user", None)
    views = list(SavedView.objects.filter(user=user, list_name=spec.name).order_by("name")) if (
        user is not None and user.is_authenticated) else []
    state = ListState(spec=spec, page=page, columns=columns, sort=sort, filters=applied, query=query,
                      saved_views=views, current_view=current)
    return {name: state, "page": page}
