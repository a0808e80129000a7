"""What workflow chapters add to the engine's personal views without the engine importing them:

* **notes** — a line shown beside a rule's obligations on "my day" (A14.1: the customer's customs beside each
  occasion); one call per page for all of that rule's rows (set-based, a query or two whatever the rows);
* **digest sections** — a titled block of the daily digest (G.5) for one person, e.g. the occasions coming up
  (A14.1). A section may stand in for its rule's alert lines (`replaces_rules`) so nothing is listed twice.
  Digests go to the person only (`notify_user`), never to a group robot.

Each app registers in its `AppConfig.ready()`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

#: rule id -> (rows) -> {row pk: note}
_notes: dict[str, Callable[[list], dict[int, str]]] = {}


def register_notes(rule: str, notes: Callable[[list], dict[int, str]]) -> None:
    _notes[rule] = notes


def annotate(rows: list) -> None:
    """Set `note` on each obligation row whose rule has a note provider (one provider call per rule)."""
    by_rule: dict[str, list] = {}
    for o in rows:
        if o.rule in _notes:
            by_rule.setdefault(o.rule, []).append(o)
    for rule, some in by_rule.items():
        found = _notes[rule](some)
        for o in some:
            o.note = found.get(o.pk, "")


@dataclass(frozen=True)
class DigestSection:
    key: str
    title: str  # Chinese, as the digest is
    lines: Callable[..., list[str]]  # (*, user, roles: set[str], now) -> lines ("· …")
    replaces_rules: tuple[str, ...] = ()


_sections: dict[str, DigestSection] = {}


def register_digest_section(section: DigestSection) -> None:
    _sections[section.key] = section


def digest_sections() -> list[DigestSection]:
    return list(_sections.values())


def section_lines(*, user, roles: set[str], now: dt.datetime) -> tuple[list[str], set[str]]:
    """The digest's extra blocks for one person (title line, then its lines) and the rules they stand in for."""
    lines: list[str] = []
    replaced: set[str] = set()
    for section in _sections.values():
        found = section.lines(user=user, roles=roles, now=now)
        replaced.update(section.replaces_rules)
        if found:
            lines += [f"【{section.title}】", *found]
    return lines, replaced
