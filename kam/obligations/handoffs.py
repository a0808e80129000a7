"""A4 hand-offs between departments: one chapter asks another to take on a case without importing it.

A request for a repair (A15.2) is an after-sales ticket (A11), not a second record: the request chapter asks
the "repair" hand-off to open one (or to find the existing one the user names), and the after-sales chapter
registers that hand-off in its `AppConfig.ready()`. The hand-off returns the case itself (a model instance).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Handoff:
    kind: str  # e.g. "repair"
    department: str  # the owning department (A4)
    open: Callable[..., Any]  # (*, customer, summary, at, site_city, now) -> the new case
    find: Callable[..., Any]  # (*, user, pk) -> the case if the user may see it (Http404 otherwise)


_HANDOFFS: dict[str, Handoff] = {}


def register_handoff(handoff: Handoff) -> None:
    _HANDOFFS[handoff.kind] = handoff


def handoff(kind: str) -> Handoff:
    try:
        return _HANDOFFS[kind]
    except KeyError:
        raise LookupError(f"no department takes {kind!r} hand-offs (is its app installed?)") from None
