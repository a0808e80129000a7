"""The navigation, assembled from what each app registers in its `AppConfig.ready()` (core imports no feature).

An entry names a URL, a label, the roles that see it (none: every signed-in user) and the menu group it sits
in; a count shown beside it is the sum of the counters registered under its `count_key` (several apps can
add to one queue's count). Header counters (the inbox's unread count) work the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

Counter = Callable[..., int]

#: menu groups, in order (issue 13: grouped so that no role's menu wraps)
GROUPS = {"work": _("工作台"), "customers": _("客户"), "service": _("服务"), "review": _("评审与政策"),
          "admin": _("管理")}


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
    """`counter(user=…) -> int`; the counters of one key are added up."""
    _counters[key].append(counter)


def count(key: str, *, user) -> int:
    return sum(c(user=user) for c in _counters.get(key, ()))


def entries_for(user) -> list[dict]:
    items = []
    for e in _entries:
        if e.roles and not user.has_role(*e.roles):
            continue
        if e.visible is not None and not e.visible(user):
            continue
        try:
            url = reverse(e.url_name, args=e.url_args)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": e.label, "group": e.group, "url_name": e.url_name,
                      "count": count(e.count_key, user=user) if e.count_key else 0})
    return items
