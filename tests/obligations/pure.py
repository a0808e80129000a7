"""Builders for the database-free tests of the clock rules' decision part (`ClockRule.evaluate`).

Facts are plain dataclasses (the working calendar a `WorkCalendar` value), the policy is a `PolicyTimeline`
built in memory (G.1), `now` is passed in:
nothing here touches the database, so a test that uses these without the `db` fixture proves the rule's
decision part is pure (pytest-django refuses any query).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from kam.calendar.workdays import WorkCalendar
from kam.obligations.engine import BREACHED, DUE_SOON, MET, MET_LATE, UPCOMING, Obligation
from kam.obligations.kit import AccountSpan, PeriodFacts, PeriodRule
from kam.obligations.periods import Period
from kam.policy.schema import default_values
from kam.policy.selectors import PolicyTimeline

SH = ZoneInfo("Asia/Shanghai")

#: the policy index defaults (no published version)
DEFAULTS = PolicyTimeline(versions=())

#: the official working calendar as a value (G.3, A13.1): the chinesecalendar library's years (2026: the Spring
#: Festival 02-15 … 02-23 off, Saturday 02-14 and 02-28 worked; National Day 10-01 … 10-07 off, Saturday 10-10
#: worked), the statute for later years (provisional), no administrator rows; `today` fixed for repeatability
CAL = WorkCalendar.from_rows(today=dt.date(2026, 6, 1))

#: hypothesis on a shared 2-core machine: no deadline (no timed asserts), a modest number of examples
PROPERTY = settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])

#: the order a clock's state may move in as time passes (met states excepted)
STATE_ORDER = {UPCOMING: 0, DUE_SOON: 1, BREACHED: 2}


def at(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


# Policy versions get ids far above any a test database hands out: the typed snapshots are cached per
# process by (version id, publication time), so two tests must never reuse an id with other values.
_version_ids = itertools.count(9_000_001)


def values(overrides: dict[str, Any] | None = None) -> dict:
    """The stored (JSON) form of the index defaults with `overrides` ({setting name: stored value})."""
    v = default_values()
    v.update(overrides or {})
    return v


def timeline(*versions: tuple[dt.datetime, dict]) -> PolicyTimeline:
    """A timeline of published versions (effective_from, stored values), oldest first (G.1)."""
    rows = []
    for number, (effective_from, vals) in enumerate(versions, start=1):
        rows.append((next(_version_ids), number, effective_from, effective_from, vals))
    return PolicyTimeline(versions=tuple(rows))


def one_version(overrides: dict[str, Any]) -> PolicyTimeline:
    """A single published version (in force from 2020) with `overrides` on the defaults."""
    return timeline((at(2020, 1, 1), values(overrides)))


def account(cid: int = 1, tier: str = "core", since: dt.datetime = at(2026, 1, 1), *, manager_id: int | None = 7,
            until: dt.datetime | None = None, name: str = "华美酒店",
            tier_changes: Iterable[tuple[dt.datetime, str]] = ()) -> AccountSpan:
    """A key account designated at `since` (tier `tier`) until `until`, with later tier changes."""
    changes = sorted([(since, tier), *tier_changes])
    return AccountSpan(customer_id=cid, name=name, manager_id=manager_id, spans=[(since, until)],
                       tier_times=[t for t, _tier in changes], tier_values=[tier for _t, tier in changes])


def counts_of(instants: Iterable[dt.datetime], periods: Iterable[Period]) -> dict[str, tuple]:
    """Per period key: (count, first, last) of the instants inside it (what `windowed_counts` loads)."""
    found: dict[str, tuple] = {}
    instants = sorted(instants)
    for p in periods:
        inside = [i for i in instants if p.start <= i < p.end]
        if inside:
            found[p.key] = (len(inside), inside[0], inside[-1])
    return found


def period_facts(rule: PeriodRule, accounts: Iterable[AccountSpan], *, since: dt.datetime, now: dt.datetime,
                 policy: PolicyTimeline = DEFAULTS,
                 rows: dict[int, Iterable[dt.datetime]] | None = None,
                 found: dict[int, dict[str, Any]] | None = None) -> PeriodFacts:
    """The facts `PeriodRule.load` would return: its periods, the accounts and what was counted per period
    (`rows`: per customer the instants of the counted rows; or `found` as is)."""
    periods = rule.periods(policy, since, now)
    counts = dict(found or {})
    for cid, instants in (rows or {}).items():
        counts[cid] = counts_of(instants, periods)
    return PeriodFacts(accounts={a.customer_id: a for a in accounts}, periods=periods, counts=counts)


def run(rule, facts, *, now: dt.datetime, policy: PolicyTimeline = DEFAULTS) -> list[Obligation]:
    return rule.evaluate(facts, timeline=policy, now=now)


def by_period(obligations: Iterable[Obligation], cid: int | None = None) -> dict[str, Obligation]:
    return {o.period_key: o for o in obligations if cid is None or o.customer_id == cid}


def is_met(state: str) -> bool:
    return state in (MET, MET_LATE)


#: instants of 2026–2027 in Asia/Shanghai at minute precision (what the UI records)
instants_2026 = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31, 23, 59),
                             timezones=st.just(SH)).map(lambda d: d.replace(second=0, microsecond=0))
