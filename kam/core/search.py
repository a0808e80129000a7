"""Global search (issue 13): one box in the top bar, results from every app that registers a provider.

Core imports no feature: an app registers what it can find in its `AppConfig.ready()`:

    register_provider(SearchProvider("tickets", _("售后工单"), find=ticket_hits, roles=READERS, order=30))

`find(*, user, query, limit, offset) -> Found` returns at most `limit` hits from `offset` on, read through the
app's own selectors — the same scope as its pages (an account manager finds only their own customers, the
administrator nothing) — in a fixed number of queries. A provider may also give `match(query, prefix) -> Q`,
the condition its records meet, for filters of other pages (the access log's customer filter).

The typed text becomes a `Query` once (`parse`): bounded, folded (full-width to ASCII), with its pinyin forms and,
when it is a phone-like string of digits, those digits. Providers match with Django lookups (parameters,
LIKE wildcards escaped), so % and _ are plain characters.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q

from kam.core import pinyin

#: the longest query accepted (a form error beyond it, never a 500)
MAX_LENGTH = 100
#: digits of a phone matched (issue 13: "the last digits of a phone"): at least this many are typed
PHONE_TAIL = 4
_SPACES = re.compile(r"\s+")
_PHONE_LIKE = re.compile(r"^[0-9+()\-\s]+$")
_NUMBER_LIKE = re.compile(r"^[0-9A-Z\-]+$")


@dataclass(frozen=True)
class Query:
    text: str  # as typed, whitespace collapsed, full-width folded (not lower-cased), at most MAX_LENGTH
    full: str = ""  # pinyin form: Han characters in full pinyin, letters and digits kept, lower-case
    initials: str = ""  # Han characters by their initials, letters and digits kept, lower-case
    digits: str = ""  # the digits of a phone-like query ("138 0013 8000", "8000"), else ""
    number: str = ""  # an identifier-like query, upper-case ("SH20261201-001", "2026"), else ""

    @property
    def han(self) -> bool:
        """The query holds Chinese characters: names are matched on them as typed."""
        return pinyin.has_han(self.text)

    @property
    def pinyin(self) -> bool:
        """The pinyin keys are matched: the query has two letters or digits at least and is not all Chinese (a
        query of Chinese characters only is matched on the names themselves)."""
        return len(self.initials) >= 2 and (not self.han or pinyin.has_latin(self.text))

    @property
    def phone_tail(self) -> str:
        """The last PHONE_TAIL digits, when the query is a phone (or its end) of at least that many digits."""
        return self.digits[-PHONE_TAIL:] if len(self.digits) >= PHONE_TAIL else ""

    def __bool__(self) -> bool:
        return bool(self.text)


def parse(raw: str) -> Query:
    """The query of a typed text (already checked for length by the form)."""
    import unicodedata

    text = unicodedata.normalize("NFKC", raw or "")
    # control and format characters (NUL, zero-width, direction marks) are dropped: nobody types them on purpose,
    # and a NUL is refused by PostgreSQL
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = _SPACES.sub(" ", text).strip()[:MAX_LENGTH]
    if not text:
        return Query("")
    full, initials = pinyin.query_forms(text)
    digits = re.sub(r"\D", "", text) if _PHONE_LIKE.match(text) else ""
    compact = text.replace(" ", "").upper()
    number = compact if _NUMBER_LIKE.match(compact) and any(ch.isdigit() for ch in compact) else ""
    return Query(text, full=full, initials=initials, digits=digits, number=number)


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""  # one line under the title: where, whose, status
    badge: str = ""  # a short tag beside the title (e.g. 决策层, a status)


@dataclass(frozen=True)
class Found:
    hits: list[Hit]
    more: bool = False  # there are hits beyond offset + limit


@dataclass(frozen=True)
class SearchProvider:
    key: str  # stable, in URLs (?kind=customers)
    label: Any  # the group's heading
    find: Callable[..., Found]
    roles: tuple[str, ...] = ()  # roles that may use it (none: everyone signed in); the scope is the selectors'
    order: int = 100
    match: Callable[[Query, str], Q | None] | None = None
    hint: Any = ""  # what the provider matches on, said on the results page


_providers: dict[str, SearchProvider] = {}


def register_provider(*providers: SearchProvider) -> None:
    for provider in providers:
        _providers[provider.key] = provider


def providers_for(user) -> list[SearchProvider]:
    if user is None or not user.is_authenticated:
        return []
    return sorted((p for p in _providers.values() if not p.roles or user.has_role(*p.roles)),
                  key=lambda p: (p.order, p.key))


def provider(key: str) -> SearchProvider | None:
    return _providers.get(key)


def available(user) -> bool:
    """The search box is shown to the users at least one provider serves (not the administrator)."""
    return bool(providers_for(user))


@dataclass
class Group:
    provider: SearchProvider
    found: Found
    offset: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def hits(self) -> list[Hit]:
        return self.found.hits


def run(*, user, query: Query, limit: int, kinds: tuple[str, ...] = (), offset: int = 0) -> list[Group]:
    """Every provider the user may use (or those in `kinds`), `limit` hits each from `offset` on; groups without
    hits are left out. An empty query finds nothing (and runs no query)."""
    if not query:
        return []
    groups = []
    for p in providers_for(user):
        if kinds and p.key not in kinds:
            continue
        found = p.find(user=user, query=query, limit=limit, offset=offset)
        if found.hits:
            groups.append(Group(p, found, offset))
    return groups


def match(key: str, query: Query, prefix: str = "") -> Q | None:
    """The condition records of provider `key` meet for the query, its lookups under `prefix` (e.g. "customer__"
    to filter rows that point to a customer); None when the query matches nothing or no such provider."""
    p = _providers.get(key)
    if p is None or p.match is None or not query:
        return None
    return p.match(query, prefix)
