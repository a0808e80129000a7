"""The import pipeline: map headers, parse cells within their bounds, validate every row, write all-or-nothing.

First every row is read and checked without a transaction (reads only: on SQLite the write lock stays
free for everyone else); then, if nothing is wrong, the checked rows are written:

- PostgreSQL: in one transaction (others read and write meanwhile; nothing is visible until the commit);
- SQLite (one write lock for the whole database): in slices of about IMPORT_WRITE_TRANSACTION_MS each, so
  that people logging contacts meanwhile wait a fraction of a second, never seconds (issue 12 §3). The
  file stays all-or-nothing through an undo journal (kam.exchange.journal): every slice commits with the
  undo entries of its changes; the final short transaction marks the write committed together with the run
  "done"; a failure — a row the database refuses, an exception, a killed worker found by the sweep — undoes
  every slice. While the write runs, the slices already committed are visible; after it ends, all or none.

A dry run writes and rolls back, so it reports what a real run would create, update or leave unchanged (on
SQLite slice by slice, each rolled back; see `_write_sliced`). A file with one bad row changes nothing. The
file is streamed and the checked rows spooled to a temporary file (memory stays flat for 200,000-row files).
"""

from __future__ import annotations

import datetime as dt
import difflib
import gc
import logging
import os
import pickle
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.audit.models import AuditEvent
from kam.audit.services import audit_log
from kam.core import bounds, context
from kam.exchange import parsing
from kam.exchange.registry import Column, ImportKind

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
#: rows in the first write slice on SQLite; later slices are sized to last IMPORT_WRITE_TRANSACTION_MS
FIRST_SLICE_ROWS = 200
MIN_SLICE_ROWS = 20
#: niceness of the read phase of background imports (the web processes keep the CPU they need)
READ_NICENESS = 10
MAX_ERRORS_KEPT = 1000
HEADER_SCAN_ROWS = 10

# Headers the usual 用友 (U8/T+) and 金蝶 (K/3, 云星空) exports use, by our field name.
ERP_HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("单据编号", "单据号", "订单号", "订单编号", "销售订单号", "编号"),
    "customer": ("客户", "客户名称", "往来单位", "往来单位名称", "客户全称", "购货单位", "客户编码", "客户代码"),
    "order_date": ("单据日期", "订单日期", "日期", "业务日期", "下单日期"),
    "amount": ("价税合计", "含税金额", "金额", "本币价税合计", "合计金额"),
    "unit_price": ("含税单价", "单价", "本币含税单价"),
    "quantity": ("数量", "销售数量", "实发数量"),
    "product_model": ("规格型号", "型号", "规格"),
    "product_series": ("存货名称", "物料名称", "产品名称", "商品名称", "存货分类"),
    "due_date": ("到期日", "到期日期", "收款到期日", "应收到期日"),
    "issue_date": ("开票日期", "发票日期"),
    "credit_code": ("统一社会信用代码", "税号", "纳税人识别号", "纳税人登记号"),
    "name": ("客户名称", "名称", "单位名称", "姓名"),
    "paid_on": ("收款日期", "到账日期"),
    "reference": ("收款单号", "收款单编号", "单据编号"),
}


@dataclass
class Row:
    """One file row. `failed` names the fields with an error already (a cell that could not be read, a reference
    not found): later checks that need such a field skip the row instead of failing again or crashing."""

    line: int  # the spreadsheet's row number, as the user sees it
    values: dict[str, Any]
    failed: set[str] | None = None

    def ok(self, *fields: str) -> bool:
        """Every one of `fields` has a sound value: present (not blank) and without an error so far."""
        values = self.values
        failed = self.failed
        for f in fields:  # a plain loop: this runs several times per row of every import
            if values.get(f) is None or (failed is not None and f in failed):
                return False
        return True

    def sound(self, *fields: str) -> bool:
        """None of `fields` has an error (blank is fine: the check of a blank optional field is skipped)."""
        return not (self.failed and self.failed.intersection(fields))


@dataclass
class CellIssue:
    line: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"line": self.line, "column": self.column, "message": self.message}

    def __str__(self) -> str:
        if self.column:
            return _("第 %(line)d 行「%(col)s」: %(msg)s") % {"line": self.line, "col": self.column, "msg": self.message}
        if self.line:
            return _("第 %(line)d 行: %(msg)s") % {"line": self.line, "msg": self.message}
        return self.message


@dataclass
class ImportContext:
    kind: ImportKind
    actor: Any
    dry_run: bool
    headers: dict[str, str]  # field -> the file's header (for messages)
    counts: Counter = field(default_factory=Counter)
    errors: list[CellIssue] = field(default_factory=list)
    error_count: int = 0
    cache: dict[str, Any] = field(default_factory=dict)  # handlers' lookups across chunks
    audit_rows: list[AuditEvent] = field(default_factory=list)
    #: every error of every row, by line, for the error file ("错误" column); not capped like `errors`
    line_errors: dict[int, list[str]] = field(default_factory=dict)

    def error(self, row: Row | int | None, column_field: str | None, message: str) -> None:
        """Report an error of `row` (a Row or a line number) in `column_field`; the field is marked failed on
        the row, so the checks after this one skip what needs it and still run the others."""
        self.error_count += 1
        line = row.line if isinstance(row, Row) else (row or 0)
        if isinstance(row, Row):
            if row.failed is None:
                row.failed = set()
            row.failed.add(column_field or "")
        column = ""
        if column_field:
            col = self.kind.columns_by_field.get(column_field)
            column = self.headers.get(column_field) or (str(col.header) if col else column_field)
        text = str(message)
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(CellIssue(line, column, text))
        if line:
            self.line_errors.setdefault(line, []).append(
                _("「%(col)s」%(msg)s") % {"col": column, "msg": text} if column else text)

    def audit_update(self, target, changes: dict) -> None:
        """An updated record's old/new values, written in bulk with the import (audit in the same transaction)."""
        from django.utils import timezone

        ctx = context.current()
        self.audit_rows.append(AuditEvent(
            at=timezone.now(), actor=self.actor if getattr(self.actor, "pk", None) else None,
            action=f"exchange.import.{self.kind.name}.updated", target_type=target._meta.label_lower,
            target_id=str(target.pk), target_repr=str(target)[:200], changes=changes,
            request_id=ctx.request_id, ip=ctx.ip, channel=ctx.channel or "import"))

    def flush_audit(self) -> None:
        if self.audit_rows:
            AuditEvent.objects.bulk_create(self.audit_rows, batch_size=1000)
            self.audit_rows = []


@dataclass
class ImportResult:
    kind: str
    dry_run: bool
    ok: bool
    counts: dict[str, int]
    errors: list[CellIssue]
    error_count: int
    headers: list[str]
    missing: list[Column] = field(default_factory=list)  # required columns the file lacks (needs a mapping)
    failed: bool = False  # the file could not be read, or the system failed: the run is marked failed
    header_line: int = 0  # the header's row number in the file (1-based), 0 if none was found
    line_errors: dict[int, list[str]] = field(default_factory=dict)  # every row's errors, for the error file

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run


# --- header mapping ----------------------------------------------------------------------------

def _names(col: Column) -> list[str]:
    return [str(col.header), col.header_en, col.field, *col.aliases]


def match_headers(kind: ImportKind, headers: list[str], column_map: dict[str, str] | None = None
                  ) -> tuple[dict[int, Column], list[Column]]:
    """Which file column feeds which field: a saved mapping first, then our template headers (zh/en/aliases)."""
    normalized = [parsing.normalize_header(h) for h in headers]
    by_name: dict[str, Column] = {}
    for col in kind.columns:
        for n in _names(col):
            by_name.setdefault(parsing.normalize_header(n), col)
    result: dict[int, Column] = {}
    used: set[str] = set()
    for i, h in enumerate(normalized):
        if not h:
            continue
        col = None
        if column_map is not None and h in column_map:
            target = column_map[h]
            col = kind.columns_by_field.get(target) if target else None
            if col is None:
                continue
        elif h in by_name:
            col = by_name[h]
        if col is not None and col.field not in used:
            result[i] = col
            used.add(col.field)
    missing = [c for c in kind.columns if c.required and c.field not in used]
    return result, missing


def suggest_mapping(kind: ImportKind, headers: list[str]) -> dict[str, str]:
    """normalized source header -> suggested field, from exact names, the usual ERP headers and similarity."""
    suggestions: dict[str, str] = {}
    taken: set[str] = set()
    exact, _missing = match_headers(kind, headers)
    for i, col in exact.items():
        suggestions[parsing.normalize_header(headers[i])] = col.field
        taken.add(col.field)
    for h in headers:
        key = parsing.normalize_header(h)
        if not key or key in suggestions:
            continue
        best, best_score = "", 0.0
        for col in kind.columns:
            if col.field in taken:
                continue
            candidates = _names(col) + list(ERP_HEADERS.get(col.field, ()))
            for name in candidates:
                n = parsing.normalize_header(name)
                score = 1.0 if n == key else difflib.SequenceMatcher(None, key, n).ratio()
                if score > best_score:
                    best, best_score = col.field, score
        if best and best_score >= 0.6:
            suggestions[key] = best
            taken.add(best)
    return suggestions


def find_header_row(rows: Iterator[list], kind: ImportKind, column_map: dict[str, str] | None
                    ) -> tuple[int, list[str], list[list]]:
    """The header is the row among the first few that matches the most columns (exports may carry a banner)."""
    head: list[list] = []
    for raw in rows:
        head.append(raw)
        if len(head) >= HEADER_SCAN_ROWS:
            break
    best_i, best_n = 0, -1
    for i, raw in enumerate(head):
        headers = [parsing.parse_text(v) for v in raw]
        matched, _missing = match_headers(kind, headers, column_map)
        if len(matched) > best_n:
            best_i, best_n = i, len(matched)
    headers = [parsing.parse_text(v) for v in head[best_i]] if head else []
    return best_i, headers, head[best_i + 1:]


def read_headers(path: Path, kind: ImportKind, column_map: dict[str, str] | None = None) -> list[str]:
    _i, headers, _rest = find_header_row(parsing.iter_rows(path), kind, column_map)
    return headers


# --- cells ---------------------------------------------------------------------------------------

INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # an IntegerField on every database


def _choice_lookup(col: Column) -> dict[str, Any]:
    table: dict[str, Any] = {}
    for label, value in col.choices:
        table[parsing.normalize_header(label)] = value
        table[parsing.normalize_header(value)] = value
    return table


def _bounded(col: Column, today: date) -> Callable[[Any], Any]:
    """The column's parser followed by its bounds (kam.core.bounds); out of bounds is a CellError."""
    kind = col.type
    if kind == "date":
        lo, hi = bounds.date_window(today, historic=col.historic)

        def parse_date(raw):
            value = parsing.parse_date(raw)
            if not lo <= value <= hi:
                raise parsing.CellError(bounds.date_error(value, today=today, historic=col.historic))
            return value

        return parse_date
    if kind == "datetime":
        start, end = bounds.datetime_window(dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC),
                                            historic=col.historic)

        def parse_datetime(raw):
            value = parsing.parse_datetime(raw)
            try:
                inside = start <= value < end
            except OverflowError:
                inside = False
            if not inside:
                raise parsing.CellError(_("须在 %(lo)s 至 %(hi)s 之间") % {
                    "lo": start.date().isoformat(), "hi": (end - dt.timedelta(days=1)).date().isoformat()})
            return value

        return parse_datetime
    if kind in ("money", "decimal"):
        money = kind == "money"
        places = bounds.MONEY_PLACES if money else col.decimal_places
        digits = col.max_digits or bounds.MONEY_MAX_DIGITS
        limit = Decimal(10) ** (digits - places)
        low = Decimal(0) if money and not col.signed else (
            Decimal(col.min_value) if col.min_value is not None else -limit)
        high = Decimal(col.max_value) if col.max_value is not None else limit

        def parse_number(raw):
            value = parsing.parse_decimal(raw, places=places)
            if not (-limit < value < limit and low <= value <= high):
                raise parsing.CellError(bounds.number_error(
                    value, max_digits=digits, decimal_places=places, min_value=low if low > -limit else None,
                    max_value=high if high < limit else None) or _("超出范围"))
            return value

        return parse_number
    if kind == "int":
        lo_i = int(col.min_value) if col.min_value is not None else INT_MIN
        hi_i = int(col.max_value) if col.max_value is not None else INT_MAX

        def parse_int(raw):
            value = parsing.parse_int(raw)
            if not lo_i <= value <= hi_i:
                raise parsing.CellError(_("须在 %(lo)d 至 %(hi)d 之间") % {"lo": lo_i, "hi": hi_i})
            return value

        return parse_int
    if kind == "bool":
        return parsing.parse_bool
    raise ValueError(f"unknown column type {kind!r} of {col.field}")


def make_cell_parser(col: Column, value_map: dict[str, Any] | None, today: date | None = None
                     ) -> Callable[[Any], Any]:
    vmap = {str(k).strip(): v for k, v in (value_map or {}).items()}
    choices = _choice_lookup(col) if col.type == "choice" else {}
    typed = _bounded(col, today or timezone.localdate()) if col.type not in ("text", "choice") else None

    def parse(raw):
        if vmap and raw is not None and str(raw).strip() in vmap:
            raw = vmap[str(raw).strip()]
        if parsing.is_blank(raw):
            return None
        if typed is not None:
            try:
                return typed(raw)
            except parsing.CellError:
                raise
            except (ValueError, ArithmeticError, OverflowError, TypeError):  # e.g. 9999-12-31 23:59 + a second
                raise parsing.CellError(_("%(v)s 无法识别") % {"v": str(raw)[:40]}) from None
        if col.type == "choice":
            key = parsing.normalize_header(raw)
            if key not in choices:
                labels = "、".join(str(label) for label, _v in col.choices)
                raise parsing.CellError(_("%(v)s 不是可选值（%(labels)s）") % {"v": raw, "labels": labels})
            return choices[key]
        text = parsing.parse_text(raw)
        if col.max_length and len(text) > col.max_length:
            raise parsing.CellError(_("超过 %(n)d 个字符") % {"n": col.max_length})
        return text

    return parse


# --- the run ------------------------------------------------------------------------------------

class _Rollback(Exception):
    pass


class _Spool:
    """The checked chunks, pickled to a temporary file between the read phase and the write phase
    (memory stays flat for 200,000-row files)."""

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.chunks = 0

    def add(self, rows: list[Row]) -> None:
        # equal immutable values share one object, so pickle writes (and later loads) each once: a chunk's
        # customer codes, statuses, products, prices and dates repeat; this halves the write phase's loading
        pool: dict[Any, Any] = {}
        for row in rows:
            values = row.values
            for key, value in values.items():
                kind = type(value)
                if kind is str or kind is date:
                    values[key] = pool.setdefault(value, value)
                elif kind is Decimal:  # 3.0 == 3.00: keep each one's exponent
                    values[key] = pool.setdefault((value, str(value)), value)
        pickle.dump(rows, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.chunks += 1

    def __iter__(self) -> Iterator[list[Row]]:
        self._file.seek(0)
        for _i in range(self.chunks):
            yield pickle.load(self._file)  # noqa: S301 - our own temporary file

    def clear(self) -> None:
        self._file.seek(0)
        self._file.truncate()
        self.chunks = 0

    def close(self) -> None:
        self._file.close()


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Millions of short-lived rows, cells and values: the cyclic collector's passes over the whole heap cost
    more than the import itself (the write phase's loading ran 6× slower with it). Reference counting still
    frees them; the collector runs once at the end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
            gc.collect()


def _at_low_priority(fn: Callable[[], int]) -> int:
    """Run `fn` in a thread of its own at a lower CPU priority (Linux: niceness is per thread): a background
    import's long read phase yields the CPU to the web processes, while its write phase — which holds the write
    lock others wait for — runs at normal priority in the calling thread. The thread's database connection is
    its own (reads only) and closed at the end."""
    import threading

    from django.db import connections

    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            try:
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READ_NICENESS)
            except (AttributeError, OSError):  # not Linux, or not allowed: run at normal priority
                pass
            outcome["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name="import-read", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return int(outcome["value"])


def run_import(*, kind: ImportKind, path: Path, actor, dry_run: bool, column_map: dict[str, str] | None = None,
               value_map: dict[str, dict] | None = None, progress: Callable[[int, str], None] | None = None,
               file_label: str = "", on_written: Callable[[ImportResult], None] | None = None,
               read_niceness: bool = False, run_id: int | None = None) -> ImportResult:
    with _no_cyclic_gc():
        return _run_import(kind=kind, path=path, actor=actor, dry_run=dry_run, column_map=column_map,
                           value_map=value_map, progress=progress, file_label=file_label, on_written=on_written,
                           read_niceness=read_niceness, run_id=run_id)


def _run_import(*, kind: ImportKind, path: Path, actor, dry_run: bool, column_map: dict[str, str] | None,
                value_map: dict[str, dict] | None, progress: Callable[[int, str], None] | None,
                file_label: str, on_written: Callable[[ImportResult], None] | None,
                read_niceness: bool, run_id: int | None) -> ImportResult:
    """Two phases, so that a large file never holds the database's write lock while it is read (issue 12 §3):

    1. read — parse every cell, check its bounds, and let the handler check the rows (references,
       duplicates): reads only, outside any transaction (on SQLite a transaction takes the write lock);
    2. write — if nothing is wrong, the checked rows are written: all or nothing. In one transaction, except
       on SQLite, where it is written in short slices with an undo journal (`_write_sliced`).
       A dry run writes too and rolls back, so it reports exactly what the import would create or update.
    `on_written(result)` runs inside the last transaction after the last write (the run is marked done with
    it). `run_id`: the ImportRun, recorded on the SQLite write journal.
    `read_niceness` (background worker only): phase 1 runs in a thread at a lower CPU priority.
    Raises parsing.FileError when the file cannot be read at all.
    """
    rows_iter = parsing.iter_rows(path)
    header_index, headers, buffered = find_header_row(rows_iter, kind, column_map)
    matched, missing = match_headers(kind, headers, column_map)
    if missing or not matched:
        issue = CellIssue(header_index + 1, "", _("缺少必填列：%(cols)s。请调整表头或保存一个列映射。") % {
            "cols": "、".join(str(c.header) for c in missing) or _("（没有可识别的列）")})
        return ImportResult(kind.name, dry_run, False, {}, [issue], 1, headers, missing,
                            header_line=header_index + 1)
    field_headers = {col.field: headers[i] for i, col in matched.items()}
    ctx = ImportContext(kind=kind, actor=actor, dry_run=dry_run, headers=field_headers)
    today = timezone.localdate()
    parsers = [(i, col, make_cell_parser(col, (value_map or {}).get(col.field), today)) for i, col in matched.items()]
    required = [c.field for c in kind.columns if c.required]
    handler = kind.handler
    group = handler.group_field

    def parsed_rows() -> Iterator[Row]:
        line = header_index + 1
        sources = [buffered, rows_iter]
        for source in sources:
            for raw in source:
                line += 1
                if raw is None or all(parsing.is_blank(v) for v in raw):
                    continue
                values: dict[str, Any] = {}
                row = Row(line, values)
                for i, col, parse in parsers:
                    cell = raw[i] if i < len(raw) else None
                    try:
                        values[col.field] = parse(cell)
                    except parsing.CellError as exc:
                        ctx.error(row, col.field, str(exc))
                for f in required:
                    if values.get(f) is None and row.sound(f):
                        ctx.error(row, f, _("必填，不能为空"))
                if row.failed:
                    ctx.counts["invalid"] += 1
                # a row with errors goes on to the handler's checks too (references, duplicates): every error
                # of the file is reported in one pass; nothing is written while any error stands
                yield row

    def chunks() -> Iterator[list[Row]]:
        chunk: list[Row] = []
        for row in parsed_rows():
            if len(chunk) >= CHUNK_ROWS and (group is None or row.values.get(group) != chunk[-1].values.get(group)):
                yield chunk
                chunk = []
            chunk.append(row)
        if chunk:
            yield chunk

    spool = _Spool()

    def read_phase() -> int:
        processed = 0
        for chunk in chunks():
            processed += len(chunk)
            valid = handler.prepare(chunk, ctx)
            if ctx.error_count == 0:
                spool.add(valid)
            elif spool.chunks:
                spool.clear()  # nothing will be written: the checked rows need not be kept
            if progress:
                progress(processed, "reading")
        handler.check_end(ctx)
        return processed

    try:
        # 1. read and check everything: no transaction, no write lock
        rows_total = _at_low_priority(read_phase) if read_niceness else read_phase()
        if ctx.error_count == 0:
            def finish() -> ImportResult:
                # inside the last transaction: the import's audit event and the run marked done
                result = _result(kind, dry_run, ctx, rows_total, headers, header_index + 1)
                audit_log(actor=actor, action=f"exchange.import.{kind.name}", target_repr=file_label[:200],
                          changes={"counts": result.counts, "file": file_label})
                if on_written is not None:
                    on_written(result)
                return result

            if sliced_writes():
                # 2. write in short transactions (SQLite), undone as a whole if anything fails
                done = _write_sliced(kind=kind, spool=spool, ctx=ctx, progress=progress, run_id=run_id,
                                     finish=finish)
                if done is not None and not dry_run:
                    return done
                return _result(kind, dry_run, ctx, rows_total, headers, header_index + 1)
            # 2. write in one transaction
            try:
                with transaction.atomic():
                    written = 0
                    for valid in spool:
                        handler.apply(valid, ctx)
                        ctx.flush_audit()
                        written += len(valid)
                        if progress:
                            progress(written, "writing")
                        if ctx.error_count:
                            break
                    if ctx.error_count == 0:
                        handler.finish(ctx)
                        ctx.flush_audit()
                    if ctx.error_count or dry_run:
                        raise _Rollback
                    return finish()
            except _Rollback:
                pass
    finally:
        spool.close()
    return _result(kind, dry_run, ctx, rows_total, headers, header_index + 1)


def sliced_writes() -> bool:
    """SQLite writes an import in short transactions (its write lock is the whole database's); PostgreSQL in
    one (MVCC: others go on meanwhile). IMPORT_WRITE_TRANSACTION_MS = 0 writes in one transaction on SQLite too."""
    return connection.vendor == "sqlite" and int(getattr(settings, "IMPORT_WRITE_TRANSACTION_MS", 0) or 0) > 0


def _slices(spool: _Spool, group: str | None, size: Callable[[], int]) -> Iterator[list[Row]]:
    """The spooled rows again, in lists of about `size()` rows (asked before each slice); rows with the same
    `group` value (an order's lines) are never split."""
    for chunk in spool:
        start = 0
        while start < len(chunk):
            end = min(start + max(size(), 1), len(chunk))
            if group is not None:
                while end < len(chunk) and chunk[end].values.get(group) == chunk[end - 1].values.get(group):
                    end += 1
            yield chunk[start:end]
            start = end


def _next_slice(rows: int, elapsed: float, target: float) -> int:
    """The next slice's size: the rows that fit the target at the last slice's pace, changing by at most ×2
    (one slow slice, e.g. another process on the CPU, is no trend)."""
    wanted = int(rows * target / max(elapsed, 1e-4))
    return max(MIN_SLICE_ROWS, min(CHUNK_ROWS, 2 * rows, max(wanted, rows // 2)))


def _write_sliced(*, kind: ImportKind, spool: _Spool, ctx: ImportContext,
                  progress: Callable[[int, str], None] | None, run_id: int | None,
                  finish: Callable[[], ImportResult]) -> ImportResult | None:
    """SQLite: write the checked rows in transactions of about IMPORT_WRITE_TRANSACTION_MS (the slice size
    follows the time the last slice took), so that the database's write lock is never held for long (issue 12
    §3: contact logging meanwhile waits a fraction of a second). Each transaction starts with BEGIN IMMEDIATE
    (settings: writers queue on the busy timeout instead of failing); between two, the import pauses
    IMPORT_WRITE_PAUSE_MS so that the writers waiting meanwhile get the lock.

    A real run is all-or-nothing through the undo journal (kam.exchange.journal): each slice commits with the
    undo entries of its changes; `finish()` runs in the final short transaction after the handler's `finish`,
    and the journal is marked committed in it — the all-or-nothing point. Any failure before that (an error a
    slice reports, a row the database refuses, an exception) undoes every slice already committed, then returns
    None (the errors are on ctx) or re-raises; a killed process is undone by the sweep (journal.recover).

    A dry run rolls each slice back. Its counts are exact unless a row depends on a row of an earlier slice
    (an order whose lines reappear far apart in the file); the handler's `finish` (links between rows of the
    file) is not run: the read phase's `check_end` checked them already.
    Returns the result when written (a dry run: ctx's counts, `finish` not called), None when an error stopped
    the write (nothing is written).
    """
    from kam.exchange import journal as undo_journal

    handler = kind.handler
    target = int(settings.IMPORT_WRITE_TRANSACTION_MS) / 1000
    pause = int(getattr(settings, "IMPORT_WRITE_PAUSE_MS", 0) or 0) / 1000
    size = [FIRST_SLICE_ROWS]  # the next slice's rows, read by _slices before each slice
    journal = None if ctx.dry_run else undo_journal.begin(kind=kind.name, run_id=run_id)
    committed = False
    durations: list[float] = []
    try:
        written = 0
        for rows in _slices(spool, handler.group_field, lambda: size[0]):
            with transaction.atomic():
                # from BEGIN IMMEDIATE (the lock is ours; waiting for it is not counted) to the commit
                started = time.perf_counter()
                handler.apply(rows, ctx)
                ctx.flush_audit()
                if journal is not None:
                    undo_journal.beat(journal)
                if ctx.dry_run or ctx.error_count:
                    transaction.set_rollback(True)
            elapsed = time.perf_counter() - started
            durations.append(elapsed)
            if ctx.error_count:
                return None
            size[0] = _next_slice(len(rows), elapsed, target)
            # let the writers waiting on the busy timeout in: SQLite's busy handler polls every ≤ 100 ms, and a
            # next BEGIN IMMEDIATE right after the commit would win the lock again and again (they starve)
            if pause:
                time.sleep(pause)
            written += len(rows)
            if progress:
                progress(written, "writing")
        if journal is None:  # a dry run: every slice was rolled back
            return ImportResult(kind.name, True, True, {}, [], 0, [])
        with transaction.atomic():
            handler.finish(ctx)
            ctx.flush_audit()
            if ctx.error_count:
                transaction.set_rollback(True)
                return None
            result = finish()
            undo_journal.commit(journal)
        committed = True
        return result
    finally:
        if durations:  # `kam bench import --concurrent` reads this line from the worker's log
            ordered = sorted(durations)
            logger.info("import %s write: %d transactions (%s), longest %.0f ms, p95 %.0f ms, total %.1f s",
                        kind.name, len(durations), "dry run" if ctx.dry_run else "journaled", ordered[-1] * 1000,
                        ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000, sum(durations))
        if journal is not None:
            try:
                undo_journal.uninstall(journal)
                if committed:
                    undo_journal.purge(journal.write.pk)
                else:
                    undo_journal.rolled_back(journal, reason="failed", actor=ctx.actor)
            except Exception:  # the database itself is failing: the sweep undoes (or purges) the write later
                logger.exception("import write %s: could not %s it now", journal.write.pk,
                                 "purge the journal of" if committed else "undo")


def _result(kind: ImportKind, dry_run: bool, ctx: ImportContext, rows: int, headers: list[str],
            header_line: int) -> ImportResult:
    counts = {k: int(v) for k, v in ctx.counts.items() if k in ("created", "updated", "unchanged")}
    counts["rows"] = rows
    return ImportResult(kind.name, dry_run, ctx.error_count == 0, counts, ctx.errors, ctx.error_count, headers,
                        header_line=header_line, line_errors=ctx.line_errors)
