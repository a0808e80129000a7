"""Health probes, registered by the apps that know what "healthy" means for them (the sweep's age, the outbox
backlog …); `/healthz` reports them all. A probe returns (ok, details); one that is not ok makes the answer
503 so that a monitor or load balancer hears of it."""

from __future__ import annotations

from collections.abc import Callable

Probe = Callable[[], tuple[bool, dict]]
_probes: dict[str, Probe] = {}


def register_probe(name: str, probe: Probe) -> None:
    _probes[name] = probe


def run_probes() -> dict[str, tuple[bool, dict]]:
    results = {}
    for name, probe in _probes.items():
        try:
            results[name] = probe()
        except Exception as exc:  # noqa: BLE001 - a failing probe is an unhealthy answer, not a 500
            results[name] = (False, {"error": type(exc).__name__})
    return results
