from __future__ import annotations

import os
import stat
from typing import Any

from django.apps import AppConfig

_PRIVATE_DONE: set[str] = set()


def private_sqlite_file(sender: Any, connection: Any, **kwargs: Any) -> None:
    """The SQLite database file readable by its owner only (0600): it holds customers and core data.

    SQLite creates its -wal and -shm files with the database file's mode, so they follow."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or name in _PRIVATE_DONE:
        return
    for path in (name, name + "-wal", name + "-shm"):
        try:
            mode = os.stat(path).st_mode
            if mode & (stat.S_IRWXG | stat.S_IRWXO):
                os.chmod(path, 0o600)
        except OSError:  # not ours to change, or not there (yet)
            continue
    _PRIVATE_DONE.add(name)


class CoreConfig(AppConfig):
    name = "kam.core"
    label = "core"
    verbose_name = "kam core"

    def ready(self) -> None:
        from django.core import checks
        from django.db.backends.signals import connection_created

        from kam.core.checks import check_stored_bounds

        checks.register(check_stored_bounds, checks.Tags.database)
        connection_created.connect(private_sqlite_file, dispatch_uid="kam.core.private_sqlite_file")
