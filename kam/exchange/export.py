"""One export mechanism for every list (A7.1, A7.2, A18.2).

A list view describes its columns (`ExportColumn`) and hands its already-scoped rows to `export_xlsx`,
which:

- drops core columns (A7.1) unless the user sees core data (head of sales, management) AND asked for them
  explicitly ("包含核心数据", `include_core`, off by default: `wants_core(request)` reads the choice);
- streams the rows into an .xlsx with openpyxl's write-only mode (flat memory, 100k+ rows), spooled
  to a temporary file and returned as a download;
- neutralises formula injection: a text cell that could be read as a formula gets a leading "'" and
  is always written as a string cell, never as a formula;
- watermarks the file with the exporting user and time: a visible banner in row 1, the printed
  header and footer, and the document properties;
- writes one audit event per export (A7.2): who, which list, the filters, the row count and the
  columns (core ones named separately), never a value.

Row scoping is the caller's job: pass rows from the same selector the list page uses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.packaging.custom import StringProperty
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from kam.audit.services import audit_log
from kam.core import context

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_ACTION = "exchange.export"
BEIJING = ZoneInfo("Asia/Shanghai")

# Keep up to this much of the finished file in memory before spilling to disk.
SPOOL_MAX_BYTES = 8 * 1024 * 1024
# Excel's limit for the text of one cell.
MAX_CELL_CHARS = 32767
# Integers beyond this lose precision in Excel (15 significant digits): written as text.
MAX_EXACT_INT = 10**15
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"

# OWASP "CSV injection": cells starting with these are read as formulas (or DDE) by spreadsheet programs.
# The full-width forms are included because Chinese IMEs produce them and Excel accepts them as operators.
FORMULA_TRIGGERS = frozenset("=+-@\t\r＝＋－＠")
_FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')
_SHEET_TITLE_UNSAFE = re.compile(r"[\\/*?:\[\]]+")

_BANNER_FONT = Font(bold=True, color="C00000")
_BANNER_FILL = PatternFill("solid", fgColor="FFF2CC")
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
_HEADER_ALIGNMENT = Alignment(vertical="center", wrap_text=True)


@dataclass(frozen=True)
class ExportColumn:
    """One exported column. `value(row)` returns the cell value; by default the row's attribute (or dict
    key) named `key`, dotted paths allowed ("account_manager.username"). Core columns (A7.1) reach only
    users who see core data."""

    key: str
    header: Any  # str or lazy translation
    value: Callable[[Any], Any] | None = None
    core: bool = False
    width: int = 16
    number_format: str | None = None

    def extract(self, row: Any) -> Any:
        if self.value is not None:
            return self.value(row)
        current = row
        for part in self.key.split("."):
            if current is None:
                return None
            current = current.get(part) if isinstance(current, Mapping) else getattr(current, part, None)
        return current


def neutralize_formula(text: str) -> str:
    """Text as a spreadsheet must show it, never evaluate it (formula injection, OWASP).

    Drops characters XML cannot carry, then prefixes "'" when the text (or its first non-blank character)
    starts a formula. Negative numbers are numbers, not text, and never pass through here.
    """
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text and (text[0] in FORMULA_TRIGGERS or text.lstrip(" \t\r\n\u3000")[:1] in FORMULA_TRIGGERS):
        text = "'" + text
    if len(text) > MAX_CELL_CHARS:
        text = text[: MAX_CELL_CHARS - 1] + "…"
    return text


def to_cell_value(value: Any) -> Any:
    """A Python value as an Excel value: numbers stay numeric (Decimal included), dates stay dates,
    aware datetimes become Beijing wall time (Excel has no time zones), booleans read 是/否, the rest is
    neutralised text. None stays None (empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, int):
        return value if abs(value) < MAX_EXACT_INT else str(value)
    if isinstance(value, float | Decimal):
        finite = value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)
        return value if finite else neutralize_formula(str(value))
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, BEIJING).replace(tzinfo=None)
        return value
    if isinstance(value, dt.date | dt.time):
        return value
    return neutralize_formula(str(value))  # str, lazy strings (Promise), choices, anything else


def beijing_now() -> dt.datetime:
    return timezone.localtime(timezone.now(), BEIJING)


def watermark_text(user, at: dt.datetime) -> str:
    name = getattr(user, "display_name", "") or user.get_username()
    return _("导出：%(name)s（%(username)s）· %(time)s 北京时间 · 内部资料，请勿外传") % {
        "name": name, "username": user.get_username(), "time": at.strftime("%Y-%m-%d %H:%M")}


def export_response_name(label, user=None, *, at: dt.datetime | None = None) -> str:
    """The download's file name: "<label>_<YYYYMMDD>_<HHMM>.xlsx" in Beijing time, e.g. 客户列表_20261126_1905.xlsx.

    `user` is accepted so every list calls it the same way; the name itself carries no personal data.
    """
    at = timezone.localtime(at, BEIJING) if at is not None else beijing_now()
    stem = _FILENAME_UNSAFE.sub("_", str(label)).strip(" ._") or "export"
    return f"{stem}_{at:%Y%m%d_%H%M}.xlsx"


def content_disposition(filename: str) -> str:
    """attachment with an ASCII fallback and the RFC 5987 UTF-8 name (RFC 6266)."""
    ascii_name = re.sub(r'[^\x20-\x7e]+|["\\]', "", filename).strip(" ._")
    if ascii_name != filename:
        ascii_name = "export_" + ascii_name if ascii_name else "export.xlsx"
    if not ascii_name.lower().endswith(".xlsx"):
        ascii_name = "export.xlsx"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _header_footer_text(text: str) -> str:
    # "&" starts a control code in Excel headers and footers ("&&" is a literal "&"); Excel caps the
    # whole header (or footer) at 255 characters, codes included
    return text[:120].replace("&", "&&")


def _sheet_title(label: str) -> str:
    return (_SHEET_TITLE_UNSAFE.sub("_", label).strip("'") or "export")[:31]


def _non_empty(filters: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in filters.items() if v not in (None, "", [], (), {})}


CORE_PARAM = "core"


def wants_core(request) -> bool:
    """The explicit "包含核心数据" choice of an export (A7.1, A7.2): only a user who sees core data can make it."""
    user = getattr(request, "user", None)
    return request.GET.get(CORE_PARAM) == "1" and bool(getattr(user, "sees_core_data", False))


def export_xlsx(*, user, list_name: str, list_label: str, columns: Sequence[ExportColumn], rows: Iterable[Any],
                filters: Mapping[str, Any], filename: str,
                record_id: Callable[[Any], Any] | None = None, include_core: bool = False) -> HttpResponse:
    """Stream `rows` into an .xlsx download with the columns the user may see, watermarked and audited.

    `rows` must already be scoped to the user (the list's selector); pass an iterator/generator to keep
    memory flat. Core columns leave only when the user sees core data and chose to include them
    (`include_core`, from `wants_core(request)`); the access log then records the export with the core fields.
    `record_id(row)`, when given, lets the audit name the exported records (ids only) when core columns were
    included: A7.2 asks which accounts' core data left the system.
    """
    # A7.1: core columns only for who sees core data, and only on an explicit choice (default off)
    sees_core = bool(getattr(user, "sees_core_data", False)) and include_core
    visible = [c for c in columns if sees_core or not c.core]
    withheld = [c.key for c in columns if c.core and not sees_core]
    core_included = [c.key for c in visible if c.core]
    label = str(list_label)
    now = beijing_now()
    mark = watermark_text(user, now)
    username = user.get_username()

    wb = Workbook(write_only=True)
    props = wb.properties
    props.creator = username
    props.lastModifiedBy = username
    props.title = label
    props.subject = label
    props.description = mark
    props.keywords = mark
    props.category = _("内部资料")
    utc_now = now.astimezone(dt.UTC).replace(tzinfo=None)  # openpyxl writes these as UTC ("Z")
    props.created = utc_now
    props.modified = utc_now
    for name, value in ((_("导出人"), username), (_("导出时间"), now.strftime("%Y-%m-%d %H:%M") + " +08:00"),
                        (_("导出列表"), list_name), (_("请求编号"), context.current().request_id)):
        if value:
            wb.custom_doc_props.append(StringProperty(name=name, value=value))

    ws = wb.create_sheet(_sheet_title(label))
    # everything before the first row is written: views, columns, print settings
    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.page_setup.orientation = "landscape"
    ws.oddHeader.center.text = _header_footer_text(mark)
    ws.oddFooter.center.text = _header_footer_text(mark)
    ws.oddFooter.right.text = _("第 &P 页，共 &N 页")
    for index, column in enumerate(visible, start=1):
        ws.column_dimensions[get_column_letter(index)].width = column.width

    banner = WriteOnlyCell(ws, value=neutralize_formula(mark))
    banner.data_type = "s"
    banner.font = _BANNER_FONT
    banner.fill = _BANNER_FILL
    ws.append([banner])

    header_cells = []
    for column in visible:
        cell = WriteOnlyCell(ws, value=neutralize_formula(str(column.header)))
        cell.data_type = "s"
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = _HEADER_ALIGNMENT
        header_cells.append(cell)
    ws.append(header_cells)

    count = 0
    ids: list[str] = []
    collect_ids = record_id is not None and bool(core_included)
    try:
        for row in rows:
            ws.append([_data_cell(ws, column, row) for column in visible])
            count += 1
            if collect_ids:
                ids.append(str(record_id(row)))
    except BaseException:
        _discard(ws)  # nothing left the system: no file, no audit
        raise
    if visible:
        ws.auto_filter.ref = f"A2:{get_column_letter(len(visible))}{count + 2}"

    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES, suffix=".xlsx")  # closed by the response
    try:
        wb.save(spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        _discard(ws)
        raise

    changes: dict[str, Any] = {
        "list": list_name,
        "filters": _non_empty(filters),
        "rows": count,
        "columns": [c.key for c in visible],
        "core_columns": core_included,
    }
    if withheld:
        changes["withheld_columns"] = withheld
    if collect_ids:
        changes["core_records"] = ids
    audit_log(actor=user, action=EXPORT_ACTION, target=None, target_repr=label, rule="A7.2", changes=changes)
    if core_included:  # A7.2: core data leaving through an export shows in the access log (channel export)
        _record_core_export(user, core_included, ids if collect_ids else [])

    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition(filename)
    response["Cache-Control"] = "no-store, private"
    return response


def _record_core_export(user, columns: list[str], ids: list[str]) -> None:
    from django.utils import timezone

    from kam.audit.models import CoreAccess
    from kam.core import context

    ctx = context.current()
    now = timezone.now()
    rows = [CoreAccess(at=now, user=user, customer_id=int(i) if str(i).isdigit() else None, fields=sorted(columns),
                       channel="export", granted=True, ip=ctx.ip, request_id=ctx.request_id)
            for i in (ids or [""])]
    CoreAccess.objects.bulk_create(rows, batch_size=1000)


def _discard(ws) -> None:
    """Remove the half-written sheet's temporary file (openpyxl otherwise keeps it until the process exits)."""
    writer = getattr(ws, "_writer", None)
    if writer is None:
        return
    rows = getattr(ws, "_rows", None)
    if rows is not None:
        with contextlib.suppress(Exception):
            rows.close()  # ends the sheet's row stream while its file is still open
    with contextlib.suppress(Exception):
        writer.close()
    with contextlib.suppress(Exception):
        writer.cleanup()


def _data_cell(ws, column: ExportColumn, row: Any):
    """The value as openpyxl should write it. Plain values go through as they are (openpyxl infers the type,
    which is fast); a cell object only where a format or a forced string type is needed."""
    value = to_cell_value(column.extract(row))
    if value is None:
        return None
    if isinstance(value, str):
        if value[:1] != "=" and value not in ERROR_CODES:
            return value  # openpyxl writes it as a plain string
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"  # never a formula or an error code, whatever the text
        return cell
    if column.number_format:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = column.number_format
        return cell
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATETIME_FORMAT
        return cell
    return value  # numbers; dates get openpyxl's "yyyy-mm-dd"
