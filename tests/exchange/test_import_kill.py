"""An import killed mid-write leaves nothing once the sweep has run (issue 12 §3, all-or-nothing per file).

The import runs in a real subprocess (`kam.settings`, DATABASE_URL) against a throwaway database (see
tests/core/throwaway.py) and is SIGKILLed while it writes. On SQLite the import is written in short
transactions: the slices committed before the kill are visible, with their undo journal, until the sweep
finds the write stale and undoes it. On PostgreSQL the import is one transaction: nothing was committed.
Either way the sweep fails the run, and nothing of the file stays.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest

from tests.core.throwaway import ROOT, run, subprocess_env, throwaway_database

LINES = 2000  # 1,000 orders, written in slices of 50 lines


@pytest.fixture
def env(tmp_path):
    with throwaway_database(tmp_path, "kam_import_kill") as url:
        yield subprocess_env(tmp_path, url)


def _result(stdout: str) -> dict:
    for line in stdout.splitlines():
        if line.startswith("result "):
            return json.loads(line[len("result "):])
    raise AssertionError(f"no result line in {stdout[-2000:]!r}")


def test_issue12_s3_an_import_killed_mid_write_leaves_nothing_after_the_sweep(env, tmp_path):
    sqlite = not os.environ.get("KAM_TEST_DATABASE_URL", "").startswith("postgres")
    run(env, "-m", "kam.cli", "migrate", "--no-input", "-v", "0")
    run_id = _result(run(env, "-m", "tests.exchange.crash_import", "setup", "--lines", str(LINES)))["run"]
    stderr = open(tmp_path / "import.err", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "tests.exchange.crash_import", "import", "--run", str(run_id),
                             "--delay", "0.5"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=stderr,
                            text=True, bufsize=1)
    lines = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.strip())
            # SQLite: slices 1–7 are committed, the 8th is under way; PostgreSQL: inside the one transaction
            if line.strip() == ("slice 8" if sqlite else "slice 1"):
                proc.send_signal(signal.SIGKILL)
        status = proc.wait(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        stderr.close()
    assert status == -signal.SIGKILL, (lines[-3:], (tmp_path / "import.err").read_text()[-2000:])

    killed = _result(run(env, "-m", "tests.exchange.crash_import", "state", "--run", str(run_id)))
    assert killed["run"] == "running"
    if sqlite:  # the committed slices are visible, each with its undo entries, until the sweep undoes them
        assert killed["lines"] == 7 * 50 and killed["orders"] == 7 * 25
        assert killed["writes"] == ["writing"] and killed["undo"] >= killed["lines"] + killed["orders"]
    else:
        assert killed["orders"] == killed["lines"] == 0

    # a sweep before the stale timeout leaves a write that may still be alive alone
    soon = _result(run(env, "-m", "tests.exchange.crash_import", "sweep", "--minutes", "0"))
    assert soon["failed"] == 0 and soon.get("writes_undone", 0) == 0
    swept = _result(run(env, "-m", "tests.exchange.crash_import", "sweep", "--minutes", "31"))
    assert swept["failed"] == 1 and swept.get("writes_undone", 0) == (1 if sqlite else 0)
    final = _result(run(env, "-m", "tests.exchange.crash_import", "state", "--run", str(run_id)))
    assert final == {"orders": 0, "lines": 0, "undo": 0, "writes": [], "run": "failed"}
