"""Operating settings: numbers the issues call "a setting" that are not policy settings.

The policy's settings index (rules.md, `kam.policy.schema`) is CLOSED: it holds the numbers of the policy text,
versioned and approved by management (A2.3). Some issues name further numbers the policy leaves to operations —
how many working days a department has to approve a commitment (A18.1), how many days ahead a contract's expiry is
announced (A18.2) … They are never constants in code: each is an *operating setting*, registered here by the app
that uses it, stored in one table, changed on one page by the administrator or the head of sales (audited: who,
old value, new value, when), and read through one cached function.

How an app adds one (in its `AppConfig.ready()`):

    from kam.policy.operating import OperatingSpec, integer, register
    register(OperatingSpec("contracts.expiry_remind_days", 60, "A18.2", _("合同到期提前提醒天数"),
                           integer(1, 365), unit=_("天"), help=_("…")))

and reads it where it is used (a clock rule's `load`, a service, a selector):

    from kam.policy.operating import operating_value
    days = operating_value("contracts.expiry_remind_days")

A spec's `parse` turns the text typed on the page (or a stored JSON value) into the value, raising
`ValueError` with a message naming what is wrong; `show` turns the value back into text (the page, the audit).
Values are JSON; a value stored for a key no app registers any more is ignored. `integer(lo, hi)` and
`date_list()` are ready-made parsers; any callable of the same shape will do (e.g. a company holiday list).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

#: the roles that change operating settings
EDITOR_ROLES = ("administrator", "head_of_sales")
CACHE_KEY = "kam.operating.values"
CACHE_SECONDS = 300


@dataclass(frozen=True)
class OperatingSpec:
    key: str  # "<area>.<name>", e.g. "contracts.expiry_remind_days"
    default: Any  # a JSON value
    rule: str  # the rule id that uses it, e.g. "A18.2"
    label: Any  # a (lazy) Chinese label
    parse: Callable[[Any], Any]  # text or JSON → value; ValueError with a message when invalid
    unit: Any = ""
    help: Any = ""
    show: Callable[[Any], str] = str


_specs: dict[str, OperatingSpec] = {}


def register(*specs: OperatingSpec) -> None:
    for spec in specs:
        spec.parse(spec.default)  # a default that its own parser refuses is a programming error
        _specs[spec.key] = spec


def specs() -> list[OperatingSpec]:
    return sorted(_specs.values(), key=lambda s: (s.rule, s.key))


def spec(key: str) -> OperatingSpec:
    try:
        return _specs[key]
    except KeyError:
        raise LookupError(f"no operating setting {key!r} is registered") from None


# --- parsers ------------------------------------------------------------------------------------------------

def integer(lo: int, hi: int) -> Callable[[Any], int]:
    """A whole number in [lo, hi]."""

    def parse(value: Any) -> int:
        text = str(value).strip()
        try:
            number = int(text)
        except ValueError:
            raise ValueError(_("应为整数。")) from None
        if not lo <= number <= hi:
            raise ValueError(_("应在 %(lo)d 到 %(hi)d 之间。") % {"lo": lo, "hi": hi})
        return number

    return parse


def date_list() -> Callable[[Any], list[str]]:
    """A list of dates (YYYY-MM-DD), one per line or separated by commas; stored sorted, without repeats."""

    def parse(value: Any) -> list[str]:
        items = value if isinstance(value, list | tuple) else str(value).replace("，", ",").replace("\n", ",").split(",")
        days = set()
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            try:
                days.add(dt.date.fromisoformat(text))
            except ValueError:
                raise ValueError(_("「%(text)s」不是日期（应为 YYYY-MM-DD）。") % {"text": text}) from None
        return [d.isoformat() for d in sorted(days)]

    return parse


# --- reading ------------------------------------------------------------------------------------------------

def _stored() -> dict[str, Any]:
    from django.core.cache import cache

    values = cache.get(CACHE_KEY)
    if values is None:
        from kam.policy.models import OperatingSetting

        values = dict(OperatingSetting.objects.values_list("key", "value"))
        cache.set(CACHE_KEY, values, CACHE_SECONDS)
    return values


def clear_cache() -> None:
    from django.core.cache import cache

    cache.delete(CACHE_KEY)


def operating_value(key: str) -> Any:
    """The value in force of a registered operating setting: the stored one, else its default (at most one
    query per CACHE_SECONDS per process group; a change clears the cache when its transaction commits)."""
    s = spec(key)
    stored = _stored()
    if key in stored:
        try:
            return s.parse(stored[key])
        except ValueError:  # a value its parser no longer accepts: the default (the page shows the problem)
            return s.parse(s.default)
    return s.parse(s.default)


def operating_values() -> dict[str, Any]:
    return {s.key: operating_value(s.key) for s in specs()}
