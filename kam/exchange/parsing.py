"""Reading ERP files by content, not name: .xlsx (a zip holding a workbook) and CSV text (UTF-8, GBK/GB18030,
or UTF-16 with a byte-order mark — Excel's "Unicode text", tab-separated), streamed; cell values in the common
Chinese forms. A file that cannot be read raises FileError with a message for the user, never a 500.
"""

from __future__ import annotations

import codecs
import csv
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.utils.translation import gettext as _

from kam.core import uploads

XLSX_MAGIC = b"PK\x03\x04"
READ_BLOCK = 1 << 20


class CellError(ValueError):
    """A cell that cannot be read as its column's type; the message is for the user."""


class FileError(ValueError):
    """A file that cannot be read at all (damaged, not a spreadsheet, unknown encoding); the message is for the user."""


def detect_encoding(head: bytes) -> str:
    """The encoding of a text sample (GB18030 when nothing else fits: Chinese ERPs emit GBK)."""
    return uploads.text_encoding(head) or "gb18030"


def file_encoding(path: Path) -> str:
    """The encoding the whole file decodes in: the sample's guess, verified to the end (UTF-8 falls back to
    GB18030, a superset of GBK); FileError names the line near the first undecodable byte."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    guess = uploads.text_encoding(head)
    if guess is None:
        raise FileError(_("文件内容既不是 Excel 工作簿（.xlsx），也不是 CSV 文本，无法读取"))
    candidates = [guess] + (["gb18030"] if guess in ("utf-8", "utf-8-sig") else [])
    first_error: tuple[int, str] | None = None
    for encoding in candidates:
        failed_at = _undecodable_at(path, encoding)
        if failed_at is None:
            return encoding
        first_error = first_error or (failed_at, encoding)
    assert first_error is not None
    raise FileError(_("文件第 %(line)d 行附近有无法识别的字符：请另存为 UTF-8 或 GBK 编码的 CSV 后重新上传")
                    % {"line": _line_at(path, first_error[0])})


def _undecodable_at(path: Path, encoding: str) -> int | None:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    offset = 0
    with open(path, "rb") as fh:
        while True:
            block = fh.read(READ_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return offset + max(exc.start, 0)
            if not block:
                return None
            offset += len(block)


def _line_at(path: Path, offset: int) -> int:
    with open(path, "rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def iter_rows(path: Path) -> Iterator[list]:
    """Every row of the first sheet (xlsx) or of the CSV file, as a list of raw values; FileError if unreadable."""
    with open(path, "rb") as fh:
        head = fh.read(64 * 1024)
    if head.startswith(XLSX_MAGIC):
        verify_xlsx(path)
        yield from _iter_xlsx(path)
    else:
        yield from _iter_csv(path, file_encoding(path))


def verify_xlsx(path: Path) -> None:
    """The zip's directory within the limits (uploads.zip_error), then every member unpacked once, counting:
    Python's zipfile stops at the declared size and checks the CRC, so a directory that lies is refused too."""
    with open(path, "rb") as fh:
        error, _total = uploads.zip_error(fh, required=uploads.XLSX_MEMBERS)
        if error:
            raise FileError(error)
        try:
            with zipfile.ZipFile(fh) as archive:
                for info in archive.infolist():
                    with archive.open(info) as member:
                        while member.read(READ_BLOCK):
                            pass
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError):
            raise FileError(_("文件已损坏，不是有效的 .xlsx（请在 Excel 中重新另存为 .xlsx）")) from None


def _iter_xlsx(path: Path) -> Iterator[list]:
    # calamine (Rust) reads .xlsx some 30× faster than openpyxl
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception:  # noqa: BLE001 - calamine's errors (zip, XML, password) all mean "cannot read this file"
        raise FileError(_("无法读取该 .xlsx 文件（已损坏、受密码保护或格式不受支持），请在 Excel 中另存为 .xlsx")) from None
    try:
        try:
            sheet = workbook.get_sheet_by_index(0)
            rows = sheet.iter_rows()
        except Exception:  # noqa: BLE001
            raise FileError(_("无法读取该 .xlsx 的第一个工作表，请在 Excel 中另存为 .xlsx")) from None
        for row in rows:
            yield list(row)
    finally:
        workbook.close()


def _iter_csv(path: Path, encoding: str) -> Iterator[list]:
    with open(path, encoding=encoding, newline="", errors="strict") as fh:
        sample = fh.read(8192)
        fh.seek(0)
        dialect = _dialect(sample)
        reader = csv.reader(fh, dialect)
        try:
            yield from reader
        except csv.Error as exc:
            raise FileError(_("文件第 %(line)d 行无法按 CSV 读取：%(e)s") % {"line": reader.line_num, "e": exc}) from None
        except UnicodeDecodeError:
            raise FileError(_("文件第 %(line)d 行附近有无法识别的字符") % {"line": reader.line_num}) from None


def _dialect(sample: str) -> type[csv.Dialect] | csv.Dialect:
    first_line = sample.split("\n", 1)[0]
    if "\t" in first_line and first_line.count("\t") >= first_line.count(","):
        return csv.excel_tab  # Excel's "Unicode text" and most tab-separated exports
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        return csv.excel


def count_data_rows(path: Path) -> int | None:
    """Rows, cheaply, for the progress bar only (CSV: line breaks; xlsx: the sheet's declared dimension, which a
    file may fake — nothing is decided from it)."""
    with open(path, "rb") as fh:
        head = fh.read(4)
        if head != XLSX_MAGIC:
            fh.seek(0)
            return sum(buf.count(b"\n") for buf in iter(lambda: fh.read(READ_BLOCK), b""))
    try:
        return _xlsx_dimension_rows(path)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, EOFError, RuntimeError):
        return None


_DIMENSION_RE = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]+\d+(?::[A-Z]+(\d+))?\"")
_SHEET_RE = re.compile(rb"<(?:\w+:)?sheet\b[^>]*?\br:id=\"([^\"]+)\"")
_REL_RE = re.compile(rb"<Relationship\b[^>]*?\bId=\"([^\"]+)\"[^>]*?\bTarget=\"([^\"]+)\"|"
                     rb"<Relationship\b[^>]*?\bTarget=\"([^\"]+)\"[^>]*?\bId=\"([^\"]+)\"")


def _xlsx_dimension_rows(path: Path) -> int | None:
    with zipfile.ZipFile(path) as archive:
        member = "xl/worksheets/sheet1.xml"
        with archive.open("xl/workbook.xml") as fh:
            sheet = _SHEET_RE.search(fh.read(256 * 1024))
        if sheet and "xl/_rels/workbook.xml.rels" in archive.namelist():
            with archive.open("xl/_rels/workbook.xml.rels") as fh:
                for m in _REL_RE.finditer(fh.read(256 * 1024)):
                    rid, target = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                    if rid == sheet.group(1):
                        target_s = target.decode()
                        member = target_s.lstrip("/") if target_s.startswith("/") else "xl/" + target_s
        with archive.open(member) as fh:
            head = fh.read(64 * 1024)
    m = _DIMENSION_RE.search(head)
    if not m:
        return None
    return int(m.group(1)) if m.group(1) else 1


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
    if number.adjusted() >= 24:  # beyond every column; quantizing it would overflow the decimal context
        raise CellError(_("%(v)s 超出上限") % {"v": value})
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


