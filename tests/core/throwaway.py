"""A throwaway database outside the pytest database, for tests that run the system in real subprocesses
(the crash test, a revocation seen by a second process): a SQLite file in a temporary directory, or — when
the suite runs on PostgreSQL (KAM_TEST_DATABASE_URL) — a database `<prefix>_<pid>` created on the same
server and dropped afterwards (the pytest database itself is not visible to other processes on SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
FIELD_KEY = "aREqLgzLP3l63RJYU19_GTiokeVseB7-uoGwG4KUtNw="


@contextmanager
def throwaway_database(directory: Path, prefix: str) -> Iterator[str]:
    """Yields the DATABASE_URL of an empty database of the suite's kind."""
    test_url = os.environ.get("KAM_TEST_DATABASE_URL", "")
    if not test_url.startswith(("postgres://", "postgresql://")):
        yield f"sqlite:///{directory / f'{prefix}.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(test_url)
    name = f"{prefix}_{os.getpid()}"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def subprocess_env(directory: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-settings process (kam.settings) on that database; KAM_VAR_DIR (and so
    the shared file cache) in `directory`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KAM_", "DJANGO_", "DATABASE_URL"))}
    return base | {"DJANGO_SETTINGS_MODULE": "kam.settings", "KAM_DEBUG": "1", "KAM_FIELD_KEYS": FIELD_KEY,
                   "KAM_VAR_DIR": str(directory), "DATABASE_URL": database_url, "PYTHONUNBUFFERED": "1",
                   **extra}


def run(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    """`python <args>` in the project directory; its stdout (fails the test with its stderr)."""
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=timeout)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout
