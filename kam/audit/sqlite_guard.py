"""SQLite half of the append-only guard.

The SQLite triggers call `kam_audit_purge_allowed()`, a function this module registers on every
connection Django opens. It answers 0 unless a purge is explicitly allowed in this thread (the test
runner's flush between transactional tests). A connection without the function (sqlite3 shell) gets
"no such function" from the trigger, so the guard fails closed there too.
"""

from __future__ import annotations

import contextlib
import threading

from django.db.backends.signals import connection_created

_state = threading.local()


def purge_allowed() -> int:
    return 1 if getattr(_state, "allowed", False) else 0


@contextlib.contextmanager
def allow_purge():
    _state.allowed = True
    try:
        yield
    finally:
        _state.allowed = False


def _register(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("kam_audit_purge_allowed", 0, purge_allowed, deterministic=False)


def install() -> None:
    connection_created.connect(_register, dispatch_uid="kam_audit_sqlite_guard")
