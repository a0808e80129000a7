"""Trigram indexes for substring search on PostgreSQL (issue 13: the global search at 20,000 customers).

`LIKE '%meiju%'` cannot use a B-tree index; with pg_trgm a GIN index answers it for patterns of three characters
or more (shorter ones scan the rows, as on SQLite). Migrations call `create` / `drop` with (index name, table,
indexed expression): the column itself for case-sensitive `contains`, `upper((column)::text)` for Django's
`icontains` (which PostgreSQL runs as UPPER(column::text) LIKE UPPER(pattern)).

Creating the extension needs a privilege the database owner usually has (pg_trgm is a trusted extension since
PostgreSQL 13); where it is refused, no index is created and search still works, by scanning.
"""

from __future__ import annotations

from django.db import transaction


def available(schema_editor) -> bool:
    """pg_trgm is installed (created here if needed) on this PostgreSQL database."""
    if schema_editor.connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: BLE001 - refused (no privilege, not shipped): search scans instead
        return False
    return True


def create(schema_editor, indexes: list[tuple[str, str, str]]) -> None:
    if not available(schema_editor):
        return
    for name, table, expression in indexes:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}) gin_trgm_ops)")


def drop(schema_editor, indexes: list[tuple[str, str, str]]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in indexes:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
