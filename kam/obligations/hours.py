"""G.3 hour clocks (A11 green channel, A15 requests) in calendar or working hours, with pauses.

Every function takes the working calendar as a value (`kam.calendar.workdays.WorkCalendar`, loaded once per
evaluation by the rule's load step), so the decision part of a rule stays pure.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from kam.calendar.workdays import WorkCalendar


@dataclass(frozen=True)
class ClockSettings:
    mode: str  # calendar | working
    day_start: dt.time
    day_end: dt.time

    @classmethod
    def of(cls, policy, mode_setting: str) -> ClockSettings:
        hours = policy["clock.working_hours"]
        return cls(mode=str(policy[mode_setting]), day_start=hours.start, day_end=hours.end)


def due(start: dt.datetime, hours, clock: ClockSettings, calendar: WorkCalendar) -> dt.datetime:
    """G.3: `hours` after `start`, counting only working hours in working mode."""
    return calendar.add_business_hours(start, Decimal(str(hours)), mode=clock.mode, day_start=clock.day_start,
                                       day_end=clock.day_end)


def elapsed(start: dt.datetime, end: dt.datetime, clock: ClockSettings, calendar: WorkCalendar) -> dt.timedelta:
    return calendar.business_duration(start, end, mode=clock.mode, day_start=clock.day_start,
                                      day_end=clock.day_end)


def provisional(start: dt.datetime, end: dt.datetime, clock: ClockSettings, calendar: WorkCalendar) -> bool:
    """A due time in working hours that crosses a year with no official holiday schedule is provisional."""
    return clock.mode == "working" and calendar.span_is_provisional(start, end)


def onsite_hours(policy, site_city: str) -> Decimal:
    """A11.2: same city as the company (`company.city`) or another city."""
    same = site_city.strip() and site_city.strip() == str(policy["company.city"]).strip()
    key = "service.onsite_hours_same_city" if same else "service.onsite_hours_other_city"
    return Decimal(str(policy[key]))


def onsite_due(reported_at: dt.datetime, hours: Decimal, pauses: Iterable[tuple[dt.datetime, dt.datetime | None]],
               clock: ClockSettings, calendar: WorkCalendar) -> dt.datetime | None:
    """The on-site due time with paused time not counting; None while a pause is open."""
    paused = dt.timedelta()
    for start, end in pauses:
        if end is None:
            return None
        paused += elapsed(start, end, clock, calendar)
    return due(reported_at, Decimal(str(hours)) + Decimal(paused.total_seconds()) / Decimal(3600), clock, calendar)
