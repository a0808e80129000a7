"""Calendar entry providers: what other chapters put on the visit calendar and its ICS feed besides the visits
(A14.1 occasions …), without the calendar's owner importing them. A provider registers in its app's
`AppConfig.ready()` and returns, for one user, the all-day entries that user may see — scoped by the providing
app's own selectors (personal data stays with the people allowed to see it)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CalendarEntry:
    uid: str  # stable across feeds: "<provider>-<key>"
    day: dt.date  # an all-day entry
    title: str
    url: str = ""
    note: str = ""  # shown under the title / the ICS description
    kind: str = ""  # a CSS class on the calendar page


#: (*, user, first, last, everyone) -> entries whose day is in [first, last]; `everyone`: the page's "all people"
Provider = Callable[..., list[CalendarEntry]]
_providers: dict[str, Provider] = {}


def register_provider(name: str, provider: Provider) -> None:
    _providers[name] = provider


def entries_between(*, user, first: dt.date, last: dt.date, everyone: bool = False) -> list[CalendarEntry]:
    """Every provider's entries for this user in [first, last], by day."""
    out: list[CalendarEntry] = []
    for provider in _providers.values():
        out += provider(user=user, first=first, last=last, everyone=everyone)
    return sorted(out, key=lambda e: (e.day, e.uid))
