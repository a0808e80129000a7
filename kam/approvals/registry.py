"""Approval kinds: each chapter registers the kinds of decision it asks for (a review for management, a gift
above the limit for the head of sales, a commitment for the department that must keep it …). Adding a kind is a
registration, not a new page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApprovalKind:
    key: str  # e.g. "qualification.review"
    label: Any  # (lazy) Chinese label shown on the page and in notifications
    rule: str = ""  # the policy rule that asks for the approval (A5.1, A8.2, A14.2 …)


_KINDS: dict[str, ApprovalKind] = {}


def register_kind(kind: ApprovalKind) -> None:
    _KINDS[kind.key] = kind


def kind(key: str) -> ApprovalKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise LookupError(f"approval kind {key!r} is not registered") from None


def kinds() -> dict[str, ApprovalKind]:
    return dict(_KINDS)
