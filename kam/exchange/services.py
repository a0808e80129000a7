"""Import runs: upload (file kept, hashed), dry run, import — each all-or-nothing; and saved mappings."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import cache
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.services import audit_log
from kam.core.errors import AccessDenied, ApplicationError
from kam.exchange import engine
from kam.exchange.models import ImportMapping, ImportRun, ImportStatus
from kam.exchange.registry import ImportKind, get_kind

ALLOWED_SUFFIXES = (".xlsx", ".csv", ".txt")
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
#: files with more data rows than this run in the background worker, with a progress bar
BACKGROUND_ROWS = 5000


def _require_kind(actor, kind: ImportKind) -> None:
    if not kind.allowed(actor):
        raise AccessDenied(_("您无权导入「%(k)s」。") % {"k": kind.label})


def import_upload(*, actor, kind_name: str, uploaded, mapping: ImportMapping | None = None) -> ImportRun:
    kind = get_kind(kind_name)
    _require_kind(actor, kind)
    name = os.path.basename(getattr(uploaded, "name", "") or "upload")
    if not name.lower().endswith(ALLOWED_SUFFIXES):
        raise ApplicationError(_("只接受 .xlsx 或 .csv 文件：%(n)s") % {"n": name}, field="file")
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise ApplicationError(_("文件超过 200 MB。"), field="file")
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    run = ImportRun(kind=kind.name, file_name=name[:200], sha256=digest.hexdigest(), size=uploaded.size,
                    created_by=actor, mapping=mapping)
    run.file.save(name, File(uploaded), save=False)
    with local_copy(run) as path:
        column_map = mapping.column_map if mapping else None
        run.source_headers = engine.read_headers(path, kind, column_map)
        _matched, missing = engine.match_headers(kind, run.source_headers, column_map)
        from kam.exchange.parsing import count_data_rows

        run.total_rows = count_data_rows(path)
    run.status = ImportStatus.NEEDS_MAPPING if missing else ImportStatus.UPLOADED
    run.save()
    audit_log(actor=actor, action="exchange.import.uploaded", target=run,
              changes={"kind": kind.name, "file": name, "sha256": run.sha256, "size": run.size})
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


def import_execute(*, actor, run: ImportRun, dry_run: bool) -> engine.ImportResult:
    """Validate (dry run) or import the run's file; the result is recorded on the run."""
    kind = get_kind(run.kind)
    _require_kind(actor, kind)
    if not dry_run and run.status == ImportStatus.DONE:
        raise ApplicationError(_("该文件已经导入。"), field="file")
    mapping = run.mapping
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING)

    def progress(n: int) -> None:
        cache.set(progress_key(run.pk), n, 3600)

    with local_copy(run) as path:
        result = engine.run_import(kind=kind, path=path, actor=actor, dry_run=dry_run,
                                   column_map=mapping.column_map if mapping else None,
                                   value_map=mapping.value_map if mapping else None, progress=progress,
                                   file_label=f"{run.file_name} ({run.sha256[:12]})")
    now = timezone.now()
    run.counts = result.counts
    run.errors = [e.as_dict() for e in result.errors]
    run.error_count = result.error_count
    if result.missing:
        run.status = ImportStatus.NEEDS_MAPPING
    elif not result.ok:
        run.status = ImportStatus.INVALID
    elif dry_run:
        run.status = ImportStatus.VALID
    else:
        run.status = ImportStatus.DONE
        run.finished_at = now
    run.checked_at = now
    run.save(update_fields=["counts", "errors", "error_count", "status", "checked_at", "finished_at"])
    cache.delete(progress_key(run.pk))
    return result


def import_enqueue(*, actor, run: ImportRun, dry_run: bool) -> None:
    """Large files run in the background worker (django-tasks); the page polls the progress."""
    from kam.exchange.tasks import run_import_task

    kind = get_kind(run.kind)
    _require_kind(actor, kind)
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.CHECKING if dry_run else ImportStatus.RUNNING)
    transaction.on_commit(lambda: run_import_task.enqueue(run_id=run.pk, user_id=actor.pk, dry_run=dry_run))


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
