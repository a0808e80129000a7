"""Reading ERP files: CSV (UTF-8, GBK/GB18030) and .xlsx, streamed; cell values in the common Chinese forms."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

XLSX_MAGIC = b"PK\x03\x04"


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message is for the user."""


def detect_encoding(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the end of the sample is still UTF-8
        if exc.start >= len(head) - 3:
            return "utf-8"
    return "gb18030"  # superset of GBK and GB2312, which Chinese ERPs emit


def iter_rows(path: Path) -> Iterator[list]:
    """Every row of the first sheet (xlsx) or of the CSV file, as a list of raw values."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith(XLSX_MAGIC):
        yield from _iter_xlsx(path)
    else:
        yield from _iter_csv(path, detect_encoding(head))


def _iter_xlsx(path: Path) -> Iterator[list]:
    # calamine (Rust) reads .xlsx some 30× faster than openpyxl; openpyxl stays as the fallback.
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:  # pragma: no cover - calamine is a declared dependency
        yield from _iter_xlsx_openpyxl(path)
        return
    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheet = workbook.get_sheet_by_index(0)
        for row in sheet.iter_rows():
            yield list(row)
    finally:
        workbook.close()


def _iter_xlsx_openpyxl(path: Path) -> Iterator[list]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        ws = wb.worksheets[0]
        for row in ws.iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def _iter_csv(path: Path, encoding: str) -> Iterator[list]:
    with open(path, encoding=encoding, newline="", errors="strict") as fh:
        sample = fh.read(8192)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        except csv.Error:
            dialect = csv.excel
        yield from csv.reader(fh, dialect)


def count_data_rows(path: Path) -> int | None:
    """Cheap row count for progress (CSV: lines; xlsx: the sheet's declared dimension)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head != XLSX_MAGIC:
            fh.seek(0)
            return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(1 << 20), b""))
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return wb.worksheets[0].max_row
    finally:
        wb.close()


# --- cell values ----------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_COMPACT_DATE_RE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
EXCEL_EPOCH = date(1899, 12, 30)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def parse_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _excel_serial(value)
    text = str(value).strip()
    m = _DATE_RE.match(text) or _COMPACT_DATE_RE.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        try:
            return date(y, mo, d)
        except ValueError:
            raise CellError(_("%(v)s 不是有效日期") % {"v": text}) from None
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _excel_serial(float(text))
    raise CellError(_("%(v)s 不是有效日期（可用 2026-03-01、2026/3/1、2026年3月1日）") % {"v": text})


_DATETIME_RE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?\s*[ T]?\s*(\d{1,2})[:：时](\d{2})"
                          r"(?:[:：分](\d{2}))?\s*秒?\s*$")


def parse_datetime(value) -> datetime:
    """An instant in the common forms (2026-03-01 09:30, 2026/3/1 9:30, 2026年3月1日 9时30分, Excel serials);
    naive values are Beijing time (Asia/Shanghai)."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=tz)
    if isinstance(value, int | float) and not isinstance(value, bool):
        day = _excel_serial(value)
        seconds = round((float(value) - int(value)) * 86400)
        return datetime(day.year, day.month, day.day, tzinfo=tz) + timedelta(seconds=seconds)
    text = str(value).strip()
    m = _DATETIME_RE.match(text)
    if m:
        y, mo, d, h, mi = (int(g) for g in m.groups()[:5])
        sec = int(m.group(6) or 0)
        try:
            return datetime(y, mo, d, h, mi, sec, tzinfo=tz)
        except ValueError:
            raise CellError(_("%(v)s 不是有效时间") % {"v": text}) from None
    raise CellError(_("%(v)s 不是有效时间（可用 2026-03-01 09:30）") % {"v": text})


def _excel_serial(number: float) -> date:
    if not 1 <= number < 2958466:
        raise CellError(_("%(v)s 不是有效的 Excel 日期") % {"v": number})
    return EXCEL_EPOCH + timedelta(days=int(number))


_MONEY_STRIP = str.maketrans("", "", "¥￥,，  \u3000元")


def parse_decimal(value, *, places: int = 2) -> Decimal:
    if isinstance(value, bool):
        raise CellError(_("%(v)s 不是有效数字") % {"v": value})
    if isinstance(value, str):
        try:  # fast path: a plain number
            number = Decimal(value)
        except InvalidOperation:
            number = _parse_money_text(value)
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    else:
        number = _parse_money_text(str(value))
    if not number.is_finite():
        raise CellError(_("%(v)s 不是有效数字") % {"v": value})
    return number.quantize(Decimal(1).scaleb(-places))


def _parse_money_text(value: str) -> Decimal:
    text = value.strip().translate(_MONEY_STRIP)
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1]
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("%(v)s 不是有效数字") % {"v": value}) from None
    return -number if negative else number


def parse_int(value) -> int:
    number = parse_decimal(value, places=4)
    if number != number.to_integral_value():
        raise CellError(_("%(v)s 不是整数") % {"v": value})
    return int(number)


_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "✔", "有", "t"}
_FALSE = {"否", "n", "no", "false", "0", "", "无", "f", "×"}


def parse_bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value or "").strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CellError(_("%(v)s 应为「是」或「否」") % {"v": value})


def normalize_header(text) -> str:
    """Compare headers loosely: no spaces, no '*' marks, no brackets content like （元）, case-folded."""
    s = parse_text(text).lower()
    s = re.sub(r"[（(][^）)]*[）)]", "", s)
    return re.sub(r"[\s*＊:：_\-]", "", s)


def open_text_sample(data: bytes) -> io.StringIO:
    return io.StringIO(data.decode(detect_encoding(data[:65536]), errors="replace"))
