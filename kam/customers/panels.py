"""Sections other chapters contribute to a customer's page (the dossier, A6.1): after-sales records,
requests, communication records … Each contributing app registers a panel in its `AppConfig.ready()`; the
dossier renders them without importing those apps. A panel's loader reads through the contributing app's
own selectors, scoped to the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CustomerPanel:
    key: str  # the section's id on the page: section-<key>
    title: Any  # a (lazy) label
    template: str  # renders `rows`
    load: Callable[..., list]  # (*, user, customer) -> rows
    order: int = 100
    wide: bool = False  # a full-width section (else two side by side)


_panels: list[CustomerPanel] = []


def register_panel(panel: CustomerPanel) -> None:
    _panels[:] = sorted([p for p in _panels if p.key != panel.key] + [panel], key=lambda p: p.order)


def customer_panels() -> list[CustomerPanel]:
    return list(_panels)
