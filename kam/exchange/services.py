"""Import runs: upload (checked by content, kept, hashed), dry run, import — each all-or-nothing; retries,
stale runs; and saved mappings.

A run never stays "checking" or "running": every failure ends it as failed with a message (issue 12 §2) —
a file that cannot be read loses its stored copy at once (nothing was imported, a retry cannot help); after a
system failure (database gone, worker killed) the file is kept for a retry until IMPORT_FAILED_FILE_DAYS.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import File
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core import uploads
from kam.core.errors import AccessDenied, ApplicationError
from kam.exchange import parsing, pipeline
from kam.exchange.models import ImportMapping, ImportRun, ImportStatus
from kam.exchange.registry import ImportKind, get_kind

logger = logging.getLogger(__name__)

IN_PROGRESS = (ImportStatus.CHECKING, ImportStatus.RUNNING)
#: while a file is read, at most one write of its heartbeat and rows read (the progress bar) per this many seconds
PROGRESS_SECONDS = 2


def _require_kind(actor, kind: ImportKind) -> None:
    if not kind.allowed(actor):
        raise AccessDenied(_("您无权导入「%(k)s」。") % {"k": kind.label})


def import_upload(*, actor, kind_name: str, uploaded, mapping: ImportMapping | None = None) -> ImportRun:
    """Check the file by its content (xlsx within the unpacking limits, or CSV text) and keep it; a refused
    file is never stored. The header and the rows are read by the dry run (import_execute)."""
    kind = get_kind(kind_name)
    _require_kind(actor, kind)
    name = os.path.basename(getattr(uploaded, "name", "") or "upload") or "upload"
    checked = uploads.check_upload(uploaded, kind="spreadsheet", label=_("导入文件"))
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    run = ImportRun(kind=kind.name, file_name=name[:200], sha256=digest.hexdigest(), size=checked.size,
                    work_bytes=checked.unpacked_bytes, created_by=actor, mapping=mapping)
    run.file.save(name, File(uploaded, name=name), save=False)
    try:
        with local_copy(run) as path:
            run.total_rows = parsing.count_data_rows(path)  # for the progress bar only
        run.status = ImportStatus.UPLOADED
        with transaction.atomic():
            run.save()
            audit_log(actor=actor, action="exchange.import.uploaded", target=run,
                      changes={"kind": kind.name, "file": name, "sha256": run.sha256, "size": run.size})
    except BaseException:
        _remove_file(run)  # no orphan file
        raise
    return run


@contextmanager
def local_copy(run: ImportRun):
    """A filesystem path to the run's file (storage may be remote or in memory)."""
    try:
        path = run.file.path
    except NotImplementedError:
        path = None
    if path and os.path.exists(path):
        yield Path(path)
        return
    suffix = os.path.splitext(run.file_name)[1]
    with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
        run.file.open("rb")
        try:
            for chunk in run.file.chunks():
                tmp.write(chunk)
        finally:
            run.file.close()
        tmp.flush()
        yield Path(tmp.name)


def progress_key(run_id: int) -> str:
    return f"kam:import:{run_id}:progress"


def runs_in_background(run: ImportRun) -> bool:
    """By the bytes the parser will read (a CSV's size, an .xlsx's unpacked size from its zip directory), never
    by the row count a file declares."""
    return max(run.work_bytes, run.size) > int(settings.IMPORT_INLINE_MAX_BYTES)


def has_file(run: ImportRun) -> bool:
    if not run.file or not run.file.name:
        return False
    try:
        return run.file.storage.exists(run.file.name)
    except OSError:
        return False


def _remove_file(run: ImportRun) -> None:
    """The stored file and the error file made from it (it holds the same rows)."""
    name = run.file.name if run.file else ""
    if name:
        try:
            run.file.storage.delete(name)
        except OSError:
            logger.warning("import run %s: could not remove %s", run.pk, name)
    run.file = ""  # type: ignore[assignment]
    _remove_error_file(run)


def _remove_error_file(run: ImportRun) -> None:
    name = run.error_file.name if run.error_file else ""
    if name:
        try:
            run.error_file.storage.delete(name)
        except OSError:
            logger.warning("import run %s: could not remove %s", run.pk, name)
    run.error_file = ""  # type: ignore[assignment]


def has_error_file(run: ImportRun) -> bool:
    if not run.error_file or not run.error_file.name:
        return False
    try:
        return run.error_file.storage.exists(run.error_file.name)
    except OSError:
        return False


def error_file_name(run: ImportRun) -> str:
    """The download's name: the uploaded file's name with "_错误" and .xlsx."""
    stem = os.path.splitext(run.file_name)[0] or "import"
    return f"{stem}_错误.xlsx"


def _write_error_file(run: ImportRun, result: pipeline.ImportResult, path: Path, actor) -> None:
    """Issue 13: the original rows with an added "错误" column, stored beside the file (same retention, 0600).
    A failure here costs the download only, never the check's outcome."""
    if not result.line_errors:
        return
    from kam.exchange.error_file import error_file_from

    try:
        with tempfile.TemporaryFile() as tmp:
            error_file_from(path, tmp, header_line=result.header_line, line_errors=result.line_errors,
                            user=actor, title=error_file_name(run))
            tmp.seek(0)
            run.error_file.save("errors.xlsx", File(tmp, name="errors.xlsx"), save=False)
    except Exception:
        logger.exception("import run %s: could not write the error file", run.pk)
        _remove_error_file(run)


def _fail(run: ImportRun, *, message: str, remove_file: bool, actor=None) -> None:
    """End the run as failed (nothing was imported: imports are all-or-nothing); best effort when the database
    itself is failing (the stale-run sweep finishes the job)."""
    run.status = ImportStatus.FAILED
    run.message = message[:500]
    run.finished_at = timezone.now()
    if remove_file:
        _remove_file(run)
    cache.delete(progress_key(run.pk))
    try:
        with transaction.atomic():
            run.save(update_fields=["status", "message", "finished_at", "file", "error_file"])
            audit_log(actor=actor, action="exchange.import.failed", target=run,
                      changes={"message": run.message, "file_removed": remove_file})
    except DatabaseError:
        logger.exception("import run %s: could not record the failure", run.pk)


def _failed_result(run: ImportRun, dry_run: bool, message: str) -> pipeline.ImportResult:
    return pipeline.ImportResult(run.kind, dry_run, False, {}, [pipeline.CellIssue(0, "", message)], 1,
                               list(run.source_headers or []), failed=True)


def import_execute(*, actor, run: ImportRun, dry_run: bool, background: bool = False) -> pipeline.ImportResult:
    """Validate (dry run) or import the run's file; the outcome is recorded on the run, failures included.
    `background`: in the task worker — the read phase yields the CPU to the web processes."""
    kind = get_kind(run.kind)
    _require_kind(actor, kind)
    if not dry_run and run.status == ImportStatus.DONE:
        raise ApplicationError(_("该文件已经导入。"), field="file")
    if not has_file(run):
        raise ApplicationError(_("该导入的文件已不在，请重新上传。"), field="file")
    mapping = run.mapping
    status = ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING
    started = timezone.now()
    if dry_run and run.error_file:  # a new check makes a new error file, if any
        _remove_error_file(run)
        ImportRun.objects.filter(pk=run.pk).update(error_file="")
    ImportRun.objects.filter(pk=run.pk).update(status=status, heartbeat_at=started, message="", processed_rows=0)
    run.status, run.heartbeat_at, run.message, run.processed_rows = status, started, "", 0
    beat = {"at": started}

    def progress(n: int, phase: str) -> None:
        # the progress bar reads the shared cache; the heartbeat is recorded on the run — not from inside a
        # transaction (on PostgreSQL the write phase is one transaction: a write to the run would be invisible
        # until it ends; on SQLite the write phase's slices are separate transactions and this is called between
        # them)
        cache.set(progress_key(run.pk), {"n": n, "phase": phase}, 3600)
        now = timezone.now()
        # one UPDATE per PROGRESS_SECONDS at most (called every CHUNK_ROWS rows): the heartbeat and the rows read
        if phase == "writing" and transaction.get_connection().in_atomic_block:
            return
        if (now - beat["at"]).total_seconds() >= PROGRESS_SECONDS:
            beat["at"] = now
            if phase == "reading":
                ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=now, processed_rows=n)
            else:
                ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=now)

    def written(result: pipeline.ImportResult) -> None:
        # inside the import's transaction: the data and "done" are committed together
        now = timezone.now()
        run.counts, run.errors, run.error_count = result.counts, [], 0
        run.status, run.checked_at, run.finished_at = ImportStatus.DONE, now, now
        run.source_headers = result.headers
        run.processed_rows = int(result.counts.get("rows", 0))
        run.save(update_fields=["counts", "errors", "error_count", "status", "checked_at", "finished_at",
                                "source_headers", "processed_rows"])

    try:
        with local_copy(run) as path:
            result = pipeline.run_import(kind=kind, path=path, actor=actor, dry_run=dry_run,
                                       column_map=mapping.column_map if mapping else None,
                                       value_map=mapping.value_map if mapping else None, progress=progress,
                                       file_label=f"{run.file_name} ({run.sha256[:12]})",
                                       on_written=None if dry_run else written, read_niceness=background,
                                       run_id=run.pk)
            if not result.ok and not result.missing:
                _write_error_file(run, result, path, actor)
    except parsing.FileError as exc:
        _fail(run, message=str(exc), remove_file=True, actor=actor)
        return _failed_result(run, dry_run, str(exc))
    except Exception:
        logger.exception("import run %s failed", run.pk)
        message = _("导入中断（系统错误），没有写入任何数据。可以点击「重试」。")
        _fail(run, message=message, remove_file=False, actor=actor)
        return _failed_result(run, dry_run, message)
    if result.written:
        cache.delete(progress_key(run.pk))
        return result
    now = timezone.now()
    run.counts = result.counts
    run.errors = [e.as_dict() for e in result.errors]
    run.error_count = result.error_count
    run.source_headers = result.headers
    if result.missing:
        run.status = ImportStatus.NEEDS_MAPPING
    elif not result.ok:
        run.status = ImportStatus.INVALID
    else:
        run.status = ImportStatus.VALID
    run.checked_at = now
    run.processed_rows = int(result.counts.get("rows", 0))
    run.save(update_fields=["counts", "errors", "error_count", "status", "checked_at", "source_headers",
                            "processed_rows", "error_file"])
    cache.delete(progress_key(run.pk))
    return result


def import_enqueue(*, actor, run: ImportRun, dry_run: bool) -> None:
    """Large files run in the background worker (django-tasks); the page polls the progress."""
    from kam.exchange.tasks import run_import_task

    kind = get_kind(run.kind)
    _require_kind(actor, kind)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING,
                                               heartbeat_at=timezone.now(), message="")
    transaction.on_commit(lambda: run_import_task.enqueue(run_id=run.pk, user_id=actor.pk, dry_run=dry_run))


def import_start(*, actor, run: ImportRun, dry_run: bool) -> None:
    """In the request for small files, in the background worker for large ones (runs_in_background)."""
    if runs_in_background(run):
        import_enqueue(actor=actor, run=run, dry_run=dry_run)
    else:
        import_execute(actor=actor, run=run, dry_run=dry_run)


def import_retry(*, actor, run: ImportRun) -> ImportRun:
    """A failed run whose file is still stored starts again from its check (dry run)."""
    _require_kind(actor, get_kind(run.kind))
    if run.status != ImportStatus.FAILED:
        raise ApplicationError(_("只有失败的导入可以重试。"), field="status")
    if not has_file(run):
        raise ApplicationError(_("该导入的文件已删除，请重新上传。"), field="file")
    run.status, run.message, run.counts, run.errors, run.error_count = ImportStatus.UPLOADED, "", {}, [], 0
    run.finished_at = None
    with transaction.atomic():
        run.save(update_fields=["status", "message", "counts", "errors", "error_count", "finished_at"])
        audit_log(actor=actor, action="exchange.import.retried", target=run, changes={"file": run.file_name})
    return run


def imports_fail_stale(*, now: dt.datetime | None = None) -> dict[str, int]:
    """For the sweep: a check or import without a sign of life for IMPORT_STALE_MINUTES is failed (its
    worker was killed or its database went away: nothing was imported, the file stays for a retry) — on SQLite
    after the slices such a worker had written are undone (kam.exchange.journal.recover); the files
    of failed or refused runs older than IMPORT_FAILED_FILE_DAYS are removed."""
    now = now or timezone.now()
    stale_before = now - dt.timedelta(minutes=int(settings.IMPORT_STALE_MINUTES))
    recovered: dict[str, int] = {}
    if connection.vendor == "sqlite":  # first undo the writes of killed workers (kam.exchange.journal)
        from kam.exchange import journal

        recovered = journal.recover(stale_before=stale_before)
    failed = 0
    for run in ImportRun.objects.filter(status__in=IN_PROGRESS).order_by("pk"):
        last = run.heartbeat_at or run.checked_at or run.created_at
        if last >= stale_before:
            continue
        with transaction.atomic():
            updated = ImportRun.objects.filter(pk=run.pk, status=run.status, heartbeat_at=run.heartbeat_at).update(
                status=ImportStatus.FAILED, finished_at=now,
                message=_("导入中断：超过 %(n)d 分钟没有进展（后台任务被终止或数据库不可用），没有写入任何数据。"
                          "可以点击「重试」。") % {"n": int(settings.IMPORT_STALE_MINUTES)})
            if updated:
                audit_log(actor=None, action="exchange.import.failed", target=run,
                          changes={"stale_since": last.isoformat(), "status": run.status})
        if updated:
            failed += 1
            cache.delete(progress_key(run.pk))
    keep_until = now - dt.timedelta(days=int(settings.IMPORT_FAILED_FILE_DAYS))
    removed = 0
    for run in ImportRun.objects.filter(status__in=(ImportStatus.FAILED, ImportStatus.INVALID),
                                        created_at__lt=keep_until).exclude(file="").order_by("pk"):
        name = run.file.name
        _remove_file(run)
        with transaction.atomic():
            run.save(update_fields=["file", "error_file"])
            audit_log(actor=None, action="exchange.import.file_removed", target=run,
                      changes={"file": name, "status": run.status})
        removed += 1
    return {"failed": failed, "files_removed": removed, **{k: n for k, n in recovered.items() if n}}


@transaction.atomic
def mapping_save(*, actor, kind_name: str, name: str, column_map: dict[str, str],
                 value_map: dict[str, dict] | None = None) -> ImportMapping:
    kind = get_kind(kind_name)
    _require_kind(actor, kind)
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写映射名称（例如「用友U8 销售订单」）。"), field="name")
    unknown = {f for f in column_map.values() if f and f not in kind.columns_by_field}
    if unknown:
        raise ApplicationError(_("未知字段：%(f)s") % {"f": "、".join(sorted(unknown))}, field="column_map")
    targets = [f for f in column_map.values() if f]
    dup = {f for f in targets if targets.count(f) > 1}
    if dup:
        labels = "、".join(str(kind.columns_by_field[f].header) for f in sorted(dup))
        raise ApplicationError(_("同一字段被映射了多次：%(f)s") % {"f": labels}, field="column_map")
    missing = [c for c in kind.columns if c.required and c.field not in targets]
    if missing:
        raise ApplicationError(_("必填字段未映射：%(f)s") % {"f": "、".join(str(c.header) for c in missing)},
                               field="column_map")
    mapping, created = ImportMapping.objects.update_or_create(
        kind=kind.name, name=name,
        defaults={"column_map": column_map, "value_map": value_map or {}, "created_by": actor})
    audit_log(actor=actor, action="exchange.mapping.saved", target=mapping,
              changes={"column_map": column_map, "value_map": value_map or {}, "created": created})
    return mapping


def run_set_mapping(*, actor, run: ImportRun, mapping: ImportMapping) -> ImportRun:
    if mapping.kind != run.kind:
        raise ApplicationError(_("映射「%(m)s」不属于该导入类型。") % {"m": mapping.name}, field="mapping")
    run.mapping = mapping
    run.status = ImportStatus.UPLOADED
    run.save(update_fields=["mapping", "status"])
    return run


def import_error_file_open(*, actor, run: ImportRun):
    """The run's error file for download (issue 13), audited: it holds the uploaded rows. The caller scoped the
    run to the user (selectors.import_run_get); ApplicationError when there is none."""
    kind = get_kind(run.kind)
    _require_kind(actor, kind)
    if not has_error_file(run):
        raise ApplicationError(_("该导入没有错误文件。"), field="error_file")
    core = _core_columns_of(run, kind)
    handle = run.error_file.open("rb")
    with transaction.atomic():
        audit_log(actor=actor, action="exchange.import.error_file_downloaded", target=run,
                  rule="A7.2" if core else "",
                  changes={"file": run.file_name, "errors": run.error_count, "core_columns": core})
        if core:  # A7.2: core data leaving in a file shows in the access log (channel export), never its values
            from kam.audit.models import CoreAccess
            from kam.core import context

            ctx = context.current()
            CoreAccess.objects.create(at=timezone.now(), user=actor, customer=None, fields=core, channel="export",
                                      granted=True, ip=ctx.ip, request_id=ctx.request_id)
    return handle


def _core_columns_of(run: ImportRun, kind: ImportKind) -> list[str]:
    """The columns of the run's file that carry core data now (A7.1), by the kind's declaration."""
    if kind.core_columns is None:
        return []
    core = set(kind.core_columns())
    if not core:
        return []
    matched, _missing = pipeline.match_headers(kind, list(run.source_headers or []),
                                               run.mapping.column_map if run.mapping else None)
    return sorted(col.field for col in matched.values() if col.field in core)
