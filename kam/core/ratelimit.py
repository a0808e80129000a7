"""Counting requests per minute in the shared cache (issue 12 §5): the API's limits per user and per token,
and the reveals of core data per user.

    verdict = rate_hit("api-user", str(user.pk), limit=600)
    if not verdict.allowed: ... 429, Retry-After: verdict.retry_after

A fixed window: at most `limit` hits in each window of `window` seconds (by the clock, e.g. each minute), one
counter per (scope, identity, window) in the Django cache — `cache.add` then `cache.incr`, so every process
that shares the configured cache (the file cache under var/ by default, Redis or memcached where configured)
counts together. A limit of 0 or less turns the limit off. When the cache fails, the request is allowed: a
broken cache must not stop the system (it is logged).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger("kam.ratelimit")
PREFIX = "kam:rate"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    count: int  # hits in the current window, this one included
    limit: int
    retry_after: int  # seconds until the window ends (at least 1)


def rate_hit(scope: str, ident: str, *, limit: int, window: int = 60, now: float | None = None) -> Verdict:
    """Count one hit of `ident` in `scope`; `allowed` is False once the window holds more than `limit` hits."""
    if limit <= 0:
        return Verdict(allowed=True, count=0, limit=0, retry_after=0)
    window = max(1, int(window))
    now = time.time() if now is None else now
    slot = int(now // window)
    retry_after = max(1, math.ceil((slot + 1) * window - now))
    key = f"{PREFIX}:{scope}:{ident}:{slot}"
    try:
        cache.add(key, 0, timeout=window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 5)
            count = 1
    except Exception:  # noqa: BLE001 - a broken cache must not stop the system
        log.exception("rate limit %s: the cache failed; the request is allowed", scope)
        return Verdict(allowed=True, count=0, limit=limit, retry_after=0)
    return Verdict(allowed=count <= limit, count=count, limit=limit, retry_after=retry_after)
