"""The undo journal of an import written in short transactions on SQLite (issue 12 §3).

SQLite has one write lock for the whole database: an import written in one transaction held it for 12.8 s
(200,000 order lines), longer than the busy timeout of the people logging contacts meanwhile ("database is
locked"). So on SQLite the import's write phase commits in slices of about IMPORT_WRITE_TRANSACTION_MS each,
and the file's all-or-nothing guarantee is kept by an undo journal:

- `begin` records an ImportWrite (state WRITING) and installs TEMP triggers on this connection only (the
  other connections — the web processes, the sweep — are not journaled): every row the import inserts,
  updates or deletes gets an ImportUndo entry *in the same transaction* as the change, with the row's old
  columns (SQLite's json_object). A slice's data and its undo entries commit together or not at all.
- `commit` flips the write to COMMITTED inside the import's final short transaction (with the run marked
  done and the import's audit event): that is the all-or-nothing point. The journal is then purged.
- `undo` reverts every entry, newest first, in short transactions too (deleting the entries it reverted:
  an undo interrupted half-way resumes where it stopped). It runs when a slice fails (a row the database
  refuses, an error found while writing, an exception) and, for a writer that died (SIGKILL, power loss), from
  the sweep (`recover_stale`: a WRITING write without a heartbeat for IMPORT_STALE_MINUTES).

What this promises, honestly: after the import ends — done, failed, or killed and recovered by the sweep —
either every row of the file is written or none is. While the write phase runs (seconds), the slices already
committed are visible to other users; a failed import's rows disappear again when it is undone. A row the
import inserted that someone else referenced meanwhile (e.g. a contact logged on a customer it created)
cannot be removed: the undo keeps it, logs it, and counts it in `UndoReport.kept`. An updated row is restored
as it was before the import: a change someone else made to that same row during the write phase (seconds) is
reverted with it. Audit events are
append-only and never undone: the undo adds an "exchange.import.revoked" event (撤销了数据导入) instead.

PostgreSQL needs none of this: readers and other writers go on during a transaction (MVCC, row locks), so the
import is written in one transaction there, invisible until its commit.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from itertools import groupby

from django.apps import apps
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from kam.exchange.models import ImportUndo, ImportWrite, WriteState

logger = logging.getLogger(__name__)

#: apps and tables whose rows an undo never touches: the append-only audit (A-rules: never rewritten; an undo
#: is recorded as a new event), the journal itself, the runs (their status tells the outcome), sessions and
#: the task queue (written by the worker around the import, not by it)
_NOT_JOURNALED_APPS = frozenset({"audit", "sessions", "django_tasks_database", "contenttypes", "migrations"})
_NOT_JOURNALED_MODELS = frozenset({"exchange.importundo", "exchange.importwrite", "exchange.importrun"})
UNDO_BATCH = 2000  # journal entries reverted per transaction
PURGE_BATCH = 20000  # journal entries of a committed write removed per transaction
JSON_PAIRS = 60  # json_object takes at most 127 arguments (SQLITE_MAX_FUNCTION_ARG)
_PREFIX = "kam_undo_"


def journaled_tables() -> list[str]:
    """Every table of the project's models an import may write (through any handler, in any app)."""
    existing = set(connection.introspection.table_names())
    tables = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if (meta.app_label in _NOT_JOURNALED_APPS or meta.label_lower in _NOT_JOURNALED_MODELS
                or not meta.managed or meta.proxy or meta.db_table not in existing):
            continue
        tables.append(meta.db_table)
    return sorted(set(tables))


def _columns(table: str) -> list[tuple[str, bool]]:
    """(name, is_blob) of the table's columns."""
    with connection.cursor() as cursor:
        cursor.execute(f'PRAGMA table_info("{table}")')
        return [(row[1], "BLOB" in (row[2] or "").upper()) for row in cursor.fetchall()]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _old_row_sql(columns: list[tuple[str, bool]]) -> str:
    """SQL for the OLD row as one JSON object (blobs as hex); nested json_patch past JSON_PAIRS columns."""
    parts = []
    for start in range(0, len(columns), JSON_PAIRS):
        pairs = []
        for name, blob in columns[start:start + JSON_PAIRS]:
            value = f"OLD.{_q(name)}"
            if blob:
                value = f"CASE WHEN {value} IS NULL THEN NULL ELSE hex({value}) END"
            pairs.append(f"{_lit(name)}, {value}")
        parts.append(f"json_object({', '.join(pairs)})")
    sql = parts[0]
    for part in parts[1:]:
        sql = f"json_patch({sql}, {part})"
    return sql


def _journal_insert(write_id: int, table: str, op: str, rowid: str, old: str) -> str:
    return (f"INSERT INTO {ImportUndo._meta.db_table} (write_id, {_q('table')}, op, row_id, old) "
            f"VALUES ({int(write_id)}, {_lit(table)}, {_lit(op)}, {rowid}, {old})")


@dataclass
class Journal:
    write: ImportWrite
    #: the DB-API connection the triggers live on: a reconnect would write unjournaled, so it aborts the write
    raw: object
    installed: bool = False

    def check(self) -> None:
        if connection.connection is not self.raw:
            raise DatabaseError("the import's database connection changed during its write phase")


def begin(*, kind: str, run_id: int | None) -> Journal:
    """Record the write (WRITING) and journal this connection's changes from now on (SQLite only)."""
    if connection.vendor != "sqlite":
        raise RuntimeError("the import journal is for SQLite (other databases write in one transaction)")
    write = ImportWrite.objects.create(kind=kind, run_id=run_id, heartbeat_at=timezone.now())
    connection.ensure_connection()
    journal = Journal(write=write, raw=connection.connection)
    try:
        with connection.cursor() as cursor:
            for n, table in enumerate(journaled_tables()):
                columns = _columns(table)
                old = _old_row_sql(columns)
                on = f"main.{_q(table)}"
                cursor.execute(f'CREATE TEMP TRIGGER "{_PREFIX}{n}_i" AFTER INSERT ON {on} BEGIN '
                               f"{_journal_insert(write.pk, table, 'I', 'NEW.rowid', 'NULL')}; END")
                cursor.execute(f'CREATE TEMP TRIGGER "{_PREFIX}{n}_u" AFTER UPDATE ON {on} BEGIN '
                               f"{_journal_insert(write.pk, table, 'U', 'OLD.rowid', old)}; END")
                cursor.execute(f'CREATE TEMP TRIGGER "{_PREFIX}{n}_d" AFTER DELETE ON {on} BEGIN '
                               f"{_journal_insert(write.pk, table, 'D', 'OLD.rowid', old)}; END")
        journal.installed = True
    except BaseException:
        uninstall(journal)
        raise
    return journal


def uninstall(journal: Journal) -> None:
    """Drop the triggers (before any undo: the undo itself must not be journaled). If they cannot be dropped,
    the connection is closed — its TEMP triggers go with it: no later write of this process is ever journaled
    into a write that may be undone."""
    if connection.connection is not journal.raw or connection.connection is None:
        journal.installed = False  # the connection is gone, and its TEMP triggers with it
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE %s",
                           [_PREFIX + "%"])
            for (name,) in cursor.fetchall():
                cursor.execute(f"DROP TRIGGER IF EXISTS temp.{_q(name)}")
    except Exception:
        connection.close()
        raise
    finally:
        journal.installed = False


def beat(journal: Journal) -> None:
    """Inside a slice's transaction: the write is alive (the sweep leaves it alone)."""
    journal.check()
    ImportWrite.objects.filter(pk=journal.write.pk).update(heartbeat_at=timezone.now())


def commit(journal: Journal) -> None:
    """Inside the import's final transaction: from its commit on, the write is never undone."""
    journal.check()
    ImportWrite.objects.filter(pk=journal.write.pk).update(state=WriteState.COMMITTED, heartbeat_at=timezone.now())


def purge(write_id: int) -> None:
    """Remove a committed write's journal in short transactions, then the write."""
    table = ImportUndo._meta.db_table
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE write_id = %s "
                           f"LIMIT {PURGE_BATCH})", [write_id])
            if cursor.rowcount < PURGE_BATCH:
                ImportWrite.objects.filter(pk=write_id).delete()
                return


@dataclass
class UndoReport:
    reverted: int = 0
    kept: int = 0  # rows the undo could not remove or restore (referenced or changed by others meanwhile)


def undo(write_id: int) -> UndoReport:
    """Revert every journaled change of the write, newest first, in transactions of UNDO_BATCH entries; then
    remove the write. Resumable: each batch deletes the entries it reverted in the same transaction."""
    report = UndoReport()
    while True:
        entries = list(ImportUndo.objects.filter(write_id=write_id).order_by("-id")
                       .values_list("id", "table", "op", "row_id", "old")[:UNDO_BATCH])
        if not entries:
            break
        try:
            with transaction.atomic():
                _revert(entries)
                ImportUndo.objects.filter(write_id=write_id, id__gte=entries[-1][0]).delete()
            report.reverted += len(entries)
        except IntegrityError:
            # someone referenced a row this import inserted (foreign keys are checked at commit): revert the
            # entries one by one and keep what cannot be reverted
            for entry in entries:
                try:
                    with transaction.atomic():
                        _revert([entry])
                        ImportUndo.objects.filter(pk=entry[0]).delete()
                    report.reverted += 1
                except IntegrityError:
                    logger.warning("import write %s: could not undo %s of %s row %s (referenced meanwhile)",
                                   write_id, entry[2], entry[1], entry[3])
                    ImportUndo.objects.filter(pk=entry[0]).delete()
                    report.kept += 1
    ImportWrite.objects.filter(pk=write_id).delete()
    return report


def _revert(entries: list[tuple]) -> None:
    columns: dict[str, list[tuple[str, bool]]] = {}
    with connection.cursor() as cursor:
        # consecutive inserts into one table are removed with one statement (a fresh import is all inserts)
        for (table, op), group in groupby(entries, key=lambda e: (e[1], e[2])):
            items = list(group)
            if op == "I":
                for start in range(0, len(items), 500):
                    ids = [e[3] for e in items[start:start + 500]]
                    cursor.execute(f"DELETE FROM {_q(table)} WHERE rowid IN ({', '.join(['%s'] * len(ids))})", ids)
                continue
            cols = columns.get(table) or columns.setdefault(table, _columns(table))
            for _id, _t, _op, row_id, old in items:
                values = json.loads(old)
                names = [name for name, _blob in cols if name in values]
                params = [bytes.fromhex(values[name]) if blob and values.get(name) is not None else values.get(name)
                          for name, blob in cols if name in values]
                if op == "U":
                    assignments = ", ".join(f"{_q(n)} = %s" for n in names)
                    cursor.execute(f"UPDATE {_q(table)} SET {assignments} WHERE rowid = %s", [*params, row_id])
                else:  # D: the row again, with its id
                    cursor.execute(f"INSERT INTO {_q(table)} ({', '.join(_q(n) for n in names)}) "
                                   f"VALUES ({', '.join(['%s'] * len(names))})", params)


def recover(*, stale_before) -> dict[str, int]:
    """For the sweep: undo the writes whose writer died (WRITING, no heartbeat since `stale_before`) and purge
    the journal left by writers that died after their commit."""
    undone = kept = purged = 0
    for write in ImportWrite.objects.filter(state=WriteState.WRITING, heartbeat_at__lt=stale_before).order_by("pk"):
        report = undo(write.pk)
        undone += 1
        kept += report.kept
        _audit_rolled_back(write, report, reason="stale")
    for write_id in ImportWrite.objects.filter(state=WriteState.COMMITTED).values_list("pk", flat=True):
        purge(write_id)
        purged += 1
    return {"writes_undone": undone, "rows_kept": kept, "journals_purged": purged}


def _audit_rolled_back(write: ImportWrite, report: UndoReport, *, reason: str, actor=None) -> None:
    """The undo as a new audit event (the audit is append-only: the slices' own events stay)."""
    from django.utils.translation import gettext as _

    from kam.audit.services import audit_log
    from kam.exchange.models import ImportRun
    from kam.exchange.registry import get_kind

    try:
        label = str(get_kind(write.kind).label)
    except Exception:  # noqa: BLE001 - a kind no longer registered: its name
        label = write.kind
    run = ImportRun.objects.filter(pk=write.run_id).first() if write.run_id else None
    why = {"stale": _("写入中断（进程终止），由定时检查撤销"), "failed": _("写入失败，已撤销已写入的部分")}
    with transaction.atomic():
        audit_log(actor=actor, action="exchange.import.revoked", target=run,
                  target_repr=None if run else label,
                  changes={"kind": label, "rows": report.reverted, "kept": report.kept,
                           "reason": str(why.get(reason, reason))})


def rolled_back(journal: Journal, *, reason: str, actor=None) -> UndoReport:
    """Undo a failed write at once (the import's own process) and record it in the audit."""
    report = undo(journal.write.pk)
    _audit_rolled_back(journal.write, report, reason=reason, actor=actor)
    return report
