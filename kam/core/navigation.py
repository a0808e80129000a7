"""The navigation, assembled from what each app registers in its `AppConfig.ready()` (core imports no feature).

An entry names a URL, a label, the roles that see it (none: every signed-in user) and the menu group it sits
in; a count shown beside it is the sum of the counters registered under its `count_key` (several apps can
add to one queue's count). Header counters (the inbox's unread count) work the same way. A counter returns a
queryset (counted together with every other counter of the page: one query in all) or, failing that, a number.

The menu is grouped (issue 13: 工作台 · 客户 · 服务 · 评审与政策 · 管理) so that no role's menu wraps at
1366 px: the first group's entries stand in the bar (the daily pages, with their counts), every other group is a
drop-down on the desktop and a section of the phone menu (`menu_for`). An entry that would always show an empty
page to a role is not registered for that role (the administrator sees no customers: the customer pages are
registered for the business roles only).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

Counter = Callable[..., Any]  # (*, user) -> QuerySet to count, or an int

#: menu groups, in order (issue 13: grouped so that no role's menu wraps)
GROUPS = {"work": _("工作台"), "customers": pgettext_lazy("menu", "客户"), "service": _("服务"),
          "review": _("评审与政策"), "admin": _("管理")}


@dataclass(frozen=True)
class NavEntry:
    url_name: str
    label: object
    roles: tuple[str, ...] = ()
    group: str = "work"
    order: int = 100
    count_key: str = ""
    url_args: tuple = ()
    visible: Callable[..., bool] | None = None  # an extra test on the user (e.g. staff)


_entries: list[NavEntry] = []
_counters: dict[str, list[Counter]] = defaultdict(list)


def register(*entries: NavEntry) -> None:
    for entry in entries:
        if entry.group not in GROUPS:
            raise ValueError(f"unknown navigation group {entry.group!r}")
        _entries.append(entry)
    _entries.sort(key=lambda e: e.order)


def register_counter(key: str, counter: Counter) -> None:
    """`counter(user=…)` returns the queryset of what it counts (or an int); the counters of one key are added
    up."""
    _counters[key].append(counter)


def counts(keys, *, user) -> dict[str, int]:
    """The counts of these keys: every queryset counter's COUNT a scalar subquery of one query."""
    from django.contrib.auth import get_user_model
    from django.db.models import F, Func, IntegerField, QuerySet, Subquery

    totals: dict[str, int] = {}
    subqueries: dict[str, tuple[str, Any]] = {}
    for key in dict.fromkeys(keys):
        totals[key] = 0
        for counter in _counters.get(key, ()):
            value = counter(user=user)
            if isinstance(value, QuerySet) and value.query.is_empty():
                continue
            if isinstance(value, QuerySet):
                # COUNT as a plain function (not an aggregate): no GROUP BY, one row
                rows = value.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
                subqueries[f"c{len(subqueries)}"] = (key, Subquery(rows.values("n")[:1]))
            else:
                totals[key] += int(value)
    if subqueries:
        row: dict[str, Any] = get_user_model().objects.filter(pk=user.pk).values(
            **{name: e for name, (_k, e) in subqueries.items()}).first() or {}
        for name, (key, _e) in subqueries.items():
            totals[key] += int(row.get(name) or 0)
    return totals


def count(key: str, *, user) -> int:
    return counts([key], user=user)[key]


def entries_for(user) -> list[dict]:
    """The entries the user sees, each with the count of its `count_key`."""
    return _entries_for(user)[0]


def _entries_for(user, extra_counts=()) -> tuple[list[dict], dict[str, int]]:
    visible = []
    for e in _entries:
        if e.roles and not user.has_role(*e.roles):
            continue
        if e.visible is not None and not e.visible(user):
            continue
        try:
            url = reverse(e.url_name, args=e.url_args)
        except NoReverseMatch:
            continue
        visible.append((e, url))
    totals = counts([e.count_key for e, _url in visible if e.count_key] + list(extra_counts), user=user)
    items = [{"url": url, "label": e.label, "group": e.group, "url_name": e.url_name,
              "count": totals.get(e.count_key, 0) if e.count_key else 0} for e, url in visible]
    return items, totals


#: the group whose entries stand in the bar itself (the daily pages)
INLINE_GROUP = "work"


def menu_for(user, path: str = "") -> list[dict]:
    """The user's menu in groups, in the order of GROUPS: {key, label, items, count, active, inline}; an item is
    active when the path is its page (or below it), a group when one of its items is."""
    return menu_and_counts(user, path)[0]


def menu_and_counts(user, path: str = "", extra_counts=()) -> tuple[list[dict], dict[str, int]]:
    """The menu (as `menu_for`) and the counts of `extra_counts` (header counters) — their counts and the
    menu's in one query."""
    items, totals = _entries_for(user, extra_counts)
    groups: dict[str, dict] = {key: {"key": key, "label": label, "items": [], "count": 0, "active": False,
                                     "inline": key == INLINE_GROUP} for key, label in GROUPS.items()}
    for item in items:
        url = item["url"]
        item["active"] = bool(path) and (path == url or (url != "/" and path.startswith(url)))
        group = groups[item["group"]]
        group["items"].append(item)
        group["count"] += item["count"]
        group["active"] = group["active"] or item["active"]
    return [g for g in groups.values() if g["items"]], totals
