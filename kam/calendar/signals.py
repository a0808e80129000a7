"""Calendar signals.

* The in-process working-day snapshot is dropped whenever administrator calendar rows change.
* `official_schedule_entered` is sent (after commit) when an administrator completes a year's
  official holiday schedule — saving a `CalendarYear` with `complete=True`, which the
  `calendar_year` command does after a full import. Due times computed on that year were
  provisional: receivers (the rule engine) re-evaluate them. `sender` is the year (an int; it is
  also passed as `year=`). Connect without `sender=`: ints above 256 are distinct objects, so
  Django's sender matching by identity would miss them; filter on the `year` argument instead.
  `QuerySet.update()` sends nothing: use `save()` (or send the signal yourself).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from .models import CalendarDay, CalendarYear
from .workdays import clear_cache

__all__ = ["connect", "official_schedule_entered"]

official_schedule_entered = Signal()


def _invalidate(sender: type, **kwargs: Any) -> None:
    clear_cache()


def _send_entered(year: int) -> None:
    clear_cache()  # receivers must compute on the committed schedule, not on a snapshot read meanwhile
    official_schedule_entered.send(sender=year, year=year)


def _year_saved(sender: type, instance: CalendarYear, raw: bool = False, **kwargs: Any) -> None:
    if raw or not instance.complete:
        return
    year = int(instance.year)
    transaction.on_commit(lambda: _send_entered(year))


def connect() -> None:
    for model in (CalendarDay, CalendarYear):
        for signal in (post_save, post_delete):
            signal.connect(_invalidate, sender=model, dispatch_uid=f"kam.calendar.invalidate.{model.__name__}")
    post_save.connect(_year_saved, sender=CalendarYear, dispatch_uid="kam.calendar.official_schedule_entered")
