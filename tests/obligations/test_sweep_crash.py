"""Nothing lost on a crash (issue 12 §2, G.5): the sweep is SIGKILLed while it records alerts, restarted,
killed again, and finally let finish; every breached obligation then has exactly one alert, and every alert
exactly one notification per recipient (per dedupe key) with its e-mail delivery — none lost, none twice.

The sweep runs in real subprocesses (`kam.settings`, DATABASE_URL) against a throwaway database outside the
pytest database: a SQLite file in a temporary directory, or — when the suite runs on PostgreSQL
(KAM_TEST_DATABASE_URL) — a database kam_crash_<pid> created on the same server and dropped afterwards.
The subprocess's notify path is slowed down by a test-only monkeypatch (tests/obligations/crash_sweep.py), so
that the kills land while alerts are being recorded. If an alert were committed before its notifications
(the bug the issue found), the state a kill leaves behind would hold an alert without notification and the
next sweep would never send it: the assertions below fail.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time

import pytest

from tests.core.throwaway import ROOT, run, subprocess_env, throwaway_database

ACCOUNTS = 70
NOW = "2026-11-26T08:00"  # a Thursday before the digest time: the previous week's A12.1 is breached
DELAY = "0.03"  # seconds of sleep before every notify_user in the swept subprocess
# where each interrupted sweep is killed: after its n-th notify call began (inside the alert's transaction),
# or a number of seconds after it started (anywhere: reconciling, between alerts, inside one)
KILLS = [("notify", 12), ("seconds", 0.3), ("notify", 20), ("seconds", 0.45), ("notify", 9)]


@pytest.fixture
def env(tmp_path):
    with throwaway_database(tmp_path, "kam_crash") as url:
        yield subprocess_env(tmp_path, url, KAM_EMAIL_HOST="127.0.0.1")


def _result(stdout: str, kind: str = "result"):
    import json

    for line in stdout.splitlines():
        if line.startswith(f"{kind} "):
            return json.loads(line[len(kind) + 1:])
    raise AssertionError(f"no {kind!r} line in {stdout[-2000:]!r}")


def _sweep(env, tmp_path, kill: tuple[str, float] | None) -> tuple[dict, int, list[str]]:
    """One sweep subprocess, SIGKILLed at `kill` (or run to the end). Returns what was committed before it
    started, its exit status and its stdout lines."""
    stderr = open(tmp_path / "sweep.err", "a")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "tests.obligations.crash_sweep", "sweep", "--now", NOW,
                             "--delay", DELAY], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr,
                            text=True, bufsize=1)
    lines: list[str] = []
    timer = None
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))
            if kill is None:
                continue
            how, at = kill
            if how == "seconds" and line.startswith("ready") and timer is None:
                timer = threading.Timer(at, proc.send_signal, [signal.SIGKILL])
                timer.start()
            elif how == "notify" and line.strip() == f"notify {int(at)}":
                proc.send_signal(signal.SIGKILL)
        status = proc.wait(timeout=180)
    finally:
        if timer is not None:
            timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stderr.close()
    return _result("\n".join(lines), "committed"), status, lines


def _check_committed(state: dict) -> None:
    """What a killed sweep left committed: each alert with notifications, each with its one e-mail delivery."""
    for alert_id, keys in state["alerts"].items():
        assert keys, f"alert {alert_id} was committed without its notifications"
        for key in keys:
            assert state["email_deliveries"].get(key) == 1, f"notification {key}: e-mail deliveries"


def test_sigkilled_sweeps_notify_every_alert_exactly_once_g5(env, tmp_path):
    started = time.monotonic()
    run(env, "-m", "kam.cli", "migrate", "--no-input", "-v", "0")
    run(env, "-m", "tests.obligations.crash_sweep", "setup", "--accounts", str(ACCOUNTS))

    committed_after_kill = []
    for kill in KILLS:
        before, status, lines = _sweep(env, tmp_path, kill)
        assert status == -signal.SIGKILL, f"the sweep was not killed at {kill}: {lines[-3:]}"
        assert not any(line.startswith("result ") for line in lines)
        committed_after_kill.append(before)
    before, status, lines = _sweep(env, tmp_path, None)  # the sweep that is let finish
    assert status == 0, (tmp_path / "sweep.err").read_text()[-3000:]
    committed_after_kill = committed_after_kill[1:] + [before]  # state left by each killed sweep
    final = _result(run(env, "-m", "tests.obligations.crash_sweep", "verify", "--now", NOW))

    # every account is breached at least once; B breaches in all (several rules and periods may be breached)
    breaches = len(final["breached"])
    assert breaches >= ACCOUNTS
    # the kills really interrupted the recording of alerts (otherwise this test would prove nothing)
    counts = [len(state["alerts"]) for state in committed_after_kill]
    assert counts == sorted(counts) and counts[-1] < breaches, counts
    assert sum(1 for n in counts if 0 < n < breaches) >= 3, counts
    assert _result("\n".join(lines))["alerts"] == breaches - counts[-1]

    # after every kill: no alert committed without its notifications and their deliveries
    for state in committed_after_kill:
        _check_committed(state)

    # finished: every breached obligation has exactly one alert, none is missing, none recorded twice
    assert final["missing_alerts"] == 0 and final["duplicate_alerts"] == 0
    assert all(n == 1 for _id, n in final["breached"]), final["breached"]
    stored = final["stored"]
    assert len(stored["alerts"]) == breaches
    _check_committed(stored)
    # exactly the notifications notify_alert gives each alert from scratch (one per recipient: the dedupe
    # key names the recipient) — nothing lost, nothing twice
    assert {a: sorted(k) for a, k in stored["alerts"].items()} == {a: sorted(k) for a, k in final["expected"].items()}
    assert all(len(keys) == 1 for keys in stored["alerts"].values())  # each alert here has one recipient
    assert stored["notifications"] == breaches and stored["deliveries"] == breaches
    # the notifications of alerts committed before a kill are the ones that remain (not lost, not re-sent)
    for state in committed_after_kill:
        for alert_id, keys in state["alerts"].items():
            assert sorted(stored["alerts"][alert_id]) == sorted(keys)
    print(f"crash test: {len(KILLS)} kills, alerts committed after each: {counts}, "
          f"{time.monotonic() - started:.1f} s")
