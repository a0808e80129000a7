"""Invalidate the in-process working-day cache when administrator calendar rows change."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from .models import CalendarDay, CalendarYear
from .workdays import clear_cache


def _invalidate(sender: type, **kwargs: Any) -> None:
    clear_cache()


def connect() -> None:
    for model in (CalendarDay, CalendarYear):
        for signal in (post_save, post_delete):
            signal.connect(_invalidate, sender=model, dispatch_uid=f"kam.calendar.invalidate.{model.__name__}")
