"""Periodic jobs the sweep runs after evaluating the clocks: each is `fn(*, now)`, idempotent (it records that
it ran, so two sweeps or a re-run do nothing twice). Apps register theirs in `AppConfig.ready`."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

log = logging.getLogger("kam.sweep")

Job = Callable[..., object]
JOBS: dict[str, Job] = {}


def register_job(name: str, fn: Job) -> None:
    JOBS[name] = fn


def run_jobs(*, now: dt.datetime) -> dict[str, str]:
    """Run every job; one failing job is logged and reported, the others still run."""
    results = {}
    for name, fn in JOBS.items():
        try:
            fn(now=now)
        except Exception:  # noqa: BLE001 - a broken job must not stop the sweep (issue 12 §1)
            log.exception("periodic job %s failed", name)
            results[name] = "failed"
        else:
            results[name] = "ok"
    return results
