"""The error file of an import that found errors (issue 13): the original rows — same columns, same row numbers —
as an .xlsx with an added "错误" column listing each row's errors in Chinese. The user fixes the rows in it and
uploads it again (the "错误" column is not a column of any kind: it is ignored).

Row N of the error file is row N of the uploaded file, so "第 N 行" in the messages points at it; rows above the
header (an ERP's banner) and blank rows are kept for that. The "错误" column follows the header's last column;
cells of a row beyond the header keep their place after it. Text that could be read as a formula is neutralised
as in every export (kam.exchange.export); plain numbers read from a CSV stay as they were, so that the fixed
file imports. The file is watermarked with who ran the check and when (document properties, printed header
and footer), never with an extra row that would shift the row numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Font, PatternFill

from kam.exchange import parsing
from kam.exchange.export import (
    _header_footer_text,
    beijing_now,
    neutralize_formula,
    to_cell_value,
    watermark_text,
)

ERROR_HEADER = "错误"
_PLAIN_NUMBER = re.compile(r"^\s*[+-]?(?:\d[\d,]*)?(?:\.\d+)?\s*$")
_ERROR_FONT = Font(color="C00000")
_ERROR_FILL = PatternFill("solid", fgColor="FCE4E4")
_HEADER_FONT = Font(bold=True)


def _text_cell(ws, text: str) -> Any:
    if _PLAIN_NUMBER.match(text) and any(ch.isdigit() for ch in text):
        value = text  # "-1,200.00" from a CSV: a number as the file wrote it, never a formula
    else:
        value = neutralize_formula(text)
    if value[:1] != "=" and value not in ERROR_CODES:
        return value
    cell = WriteOnlyCell(ws, value=value)
    cell.data_type = "s"  # never a formula or an error code
    return cell


def _cell(ws, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _text_cell(ws, value) if value else None
    if isinstance(value, dt.timedelta):
        return _text_cell(ws, str(value))
    value = to_cell_value(value)
    return _text_cell(ws, value) if isinstance(value, str) else value


def _styled(ws, value: Any, *, font: Font, fill: PatternFill | None = None) -> Cell:
    converted = _cell(ws, value)
    cell = converted if isinstance(converted, Cell) else WriteOnlyCell(ws, value=converted)
    cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell


def _width(row: list) -> int:
    n = len(row)
    while n and parsing.is_blank(row[n - 1]):
        n -= 1
    return n


def write_error_file(rows: Iterable[list], out: IO[bytes], *, header_line: int,
                     line_errors: Mapping[int, list[str]], user, title: str) -> int:
    """Write `rows` (the file's raw rows, from its first) with the "错误" column into `out`; returns the number of
    rows that carry an error."""
    now = beijing_now()
    mark = watermark_text(user, now)
    wb = Workbook(write_only=True)
    props = wb.properties
    props.creator = props.lastModifiedBy = user.get_username()
    props.title = props.subject = title
    props.description = props.keywords = mark
    props.category = _("内部资料")
    ws = wb.create_sheet(_("错误")[:31])
    if header_line:
        ws.freeze_panes = f"A{header_line + 1}"
    ws.oddHeader.center.text = _header_footer_text(mark)
    ws.oddFooter.center.text = _header_footer_text(mark)
    width = 0
    marked = 0
    for line, raw in enumerate(rows, start=1):
        raw = list(raw or [])
        if line < header_line:
            ws.append([_cell(ws, v) for v in raw])
            continue
        if line == header_line:
            width = _width(raw)
            cells = [_styled(ws, v, font=_HEADER_FONT) for v in raw[:width]]
            cells.append(_styled(ws, ERROR_HEADER, font=_HEADER_FONT))
            ws.append(cells + [_cell(ws, v) for v in raw[width:]])
            continue
        head = raw[:width] + [None] * (width - len(raw))
        cells = [_cell(ws, v) for v in head]
        errors = line_errors.get(line)
        if errors:
            marked += 1
            cells.append(_styled(ws, "；".join(errors), font=_ERROR_FONT, fill=_ERROR_FILL))
        else:
            cells.append(None)
        ws.append(cells + [_cell(ws, v) for v in raw[width:]])
    wb.save(out)
    return marked


def error_file_from(path: Path, out: IO[bytes], *, header_line: int, line_errors: Mapping[int, list[str]],
                    user, title: str) -> int:
    """The error file of the uploaded file at `path` (read again, streamed)."""
    return write_error_file(parsing.iter_rows(path), out, header_line=header_line, line_errors=line_errors,
                            user=user, title=title)
