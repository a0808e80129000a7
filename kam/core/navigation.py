"""The navigation, assembled from what each app registers in its `AppConfig.ready()` (core imports no feature).

An entry names a URL, a label, the roles that see it (none: every signed-in user) and the menu group it sits
in; a count shown beside it is the sum of the counters registered under its `count_key` (several apps can
add to one queue's count). Header counters (the inbox's unread count) work the same way.

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

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

Counter = Callable[..., int]

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


#: the group whose entries stand in the bar itself (the daily pages)
INLINE_GROUP = "work"


def menu_for(user, path: str = "") -> list[dict]:
    """The user's menu in groups, in the order of GROUPS: {key, label, items, count, active, inline}; an item is
    active when the path is its page (or below it), a group when one of its items is."""
    items = entries_for(user)
    groups: dict[str, dict] = {key: {"key": key, "label": label, "items": [], "count": 0, "active": False,
                                     "inline": key == INLINE_GROUP} for key, label in GROUPS.items()}
    for item in items:
        url = item["url"]
        item["active"] = bool(path) and (path == url or (url != "/" and path.startswith(url)))
        group = groups[item["group"]]
        group["items"].append(item)
        group["count"] += item["count"]
        group["active"] = group["active"] or item["active"]
    return [g for g in groups.values() if g["items"]]
