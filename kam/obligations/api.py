"""The clocks of one subject (a ticket, a request, a visit) in API answers."""

from __future__ import annotations

import datetime as dt

from ninja import Schema

from kam.obligations import selectors


class ClockOut(Schema):
    rule: str
    due_at: dt.datetime
    state: str
    met_at: dt.datetime | None


def subject_clocks(rule_ids: list[str], *, customer_id: int, subject_type: str, subject_id: int) -> list[dict]:
    """The stored clocks of one subject (the customer id is kept for callers; rows are found by subject)."""
    return [{"rule": o.rule, "due_at": o.due_at, "state": o.state, "met_at": o.met_at}
            for o in selectors.subject_clocks(subject_type=subject_type, subject_id=subject_id, rules=rule_ids)]
