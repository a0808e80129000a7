"""Hour clocks of the green channel (A11.1, A11.2) in calendar or working hours (G.3), with pauses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kam.calendar.workdays import add_business_hours, business_duration


@dataclass(frozen=True)
class ClockSettings:
    mode: str  # calendar | working
    day_start: dt.time
    day_end: dt.time

    @classmethod
    def of(cls, policy, mode_setting: str) -> ClockSettings:
        hours = policy["clock.working_hours"]
        return cls(mode=str(policy[mode_setting]), day_start=hours.start, day_end=hours.end)


def due(start: dt.datetime, hours, clock: ClockSettings) -> dt.datetime:
    """G.3: `hours` after `start`, counting only working hours in working mode."""
    return add_business_hours(start, Decimal(str(hours)), mode=clock.mode, day_start=clock.day_start,
                              day_end=clock.day_end)


def elapsed(start: dt.datetime, end: dt.datetime, clock: ClockSettings) -> dt.timedelta:
    return business_duration(start, end, mode=clock.mode, day_start=clock.day_start, day_end=clock.day_end)


def onsite_hours(policy, site_city: str) -> Decimal:
    """A11.2: same city as the company (`company.city`) or another city."""
    same = site_city.strip() and site_city.strip() == str(policy["company.city"]).strip()
    key = "service.onsite_hours_same_city" if same else "service.onsite_hours_other_city"
    return Decimal(str(policy[key]))


def onsite_due(reported_at: dt.datetime, hours: Decimal, pauses: Iterable[tuple[dt.datetime, dt.datetime | None]],
               clock: ClockSettings) -> dt.datetime | None:
    """The on-site due time with paused time not counting; None while a pause is open."""
    paused = dt.timedelta()
    for start, end in pauses:
        if end is None:
            return None
        paused += elapsed(start, end, clock)
    return due(reported_at, Decimal(str(hours)) + Decimal(paused.total_seconds()) / Decimal(3600), clock)
