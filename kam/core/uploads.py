"""Uploaded files, checked by content — never by name — before anything is stored (issue 12 §3).

    checked = check_upload(request.FILES["photo"], kind="image", label=_("照片"))   # raises ApplicationError

Kinds and what passes (size limits per kind: settings.UPLOAD_MAX_BYTES):
  image        Pillow opens and verifies it (JPEG, PNG, WebP, GIF, BMP, TIFF); at most UPLOAD_MAX_IMAGE_PIXELS
  pdf          the %PDF- signature
  document     an image or a PDF (scanned licences, signed contracts)
  spreadsheet  an .xlsx (a zip holding a workbook, within UPLOAD_MAX_UNPACKED_BYTES and
               UPLOAD_MAX_COMPRESSION_RATIO per member, so a zip bomb is refused from its directory), or
               text: UTF-8, GBK/GB18030, or UTF-16 with a byte-order mark (Excel's "Unicode text")

The request body as a whole is capped before it is read by `BodyLimitUploadHandler`
(settings.MAX_REQUEST_BODY_BYTES): a larger multipart body is refused with 400, never buffered.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

from kam.core.errors import ApplicationError

KINDS = ("image", "pdf", "document", "spreadsheet")
HEAD_BYTES = 64 * 1024
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "GIF", "BMP", "TIFF"})
XLSX_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")

# signatures of things people rename: (prefix, what it is)
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"MZ", "program"),
    (b"\x7fELF", "program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),  # .xls, .doc, and password-protected .xlsx
    (b"%PDF-", "pdf"),
    (b"Rar!", "archive"),
    (b"7z\xbc\xaf\x27\x1c", "archive"),
    (b"\x1f\x8b", "archive"),
    (b"\x89PNG", "image"),
    (b"\xff\xd8\xff", "image"),
    (b"GIF8", "image"),
)


@dataclass(frozen=True)
class Checked:
    """What an accepted file turned out to be."""

    kind: str  # image | pdf | xlsx | text
    size: int
    unpacked_bytes: int = 0  # xlsx: the members' uncompressed size, from the zip directory
    encoding: str = ""  # text: as detected from the first 64 KB
    image_format: str = ""


class UploadRefused(ApplicationError):
    """An upload refused for its size or content; the message names the field."""


def _size_of(fileobj: Any) -> int:
    size = getattr(fileobj, "size", None)
    if size is not None:
        return int(size)
    position = fileobj.tell()
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(position)
    return size


def _mb(n: int) -> str:
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.0f} MB"


def max_bytes(kind: str) -> int:
    return int(settings.UPLOAD_MAX_BYTES[kind])


# --- spreadsheets ----------------------------------------------------------------------------------


def zip_error(fileobj: IO[bytes], *, required: tuple[str, ...] = ()) -> tuple[str | None, int]:
    """(message or None, total unpacked bytes) from the zip directory, without unpacking anything.

    Refuses a damaged zip, missing `required` members, a total above UPLOAD_MAX_UNPACKED_BYTES and a member
    that would unpack to more than UPLOAD_MAX_COMPRESSION_RATIO times its packed size (a zip bomb)."""
    limit = int(settings.UPLOAD_MAX_UNPACKED_BYTES)
    ratio = int(settings.UPLOAD_MAX_COMPRESSION_RATIO)
    fileobj.seek(0)
    try:
        with zipfile.ZipFile(fileobj) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return _("文件已损坏，不是有效的 .xlsx（请在 Excel 中重新另存为 .xlsx）"), 0
    finally:
        fileobj.seek(0)
    names = {i.filename for i in infos}
    if any(name not in names for name in required):
        return _("文件不是 Excel 工作簿（.xlsx），无法读取"), 0
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            return _("文件受密码保护，请去除密码后另存为 .xlsx"), 0
        total += info.file_size
        # small members (styles, tiny sheets) compress very well and are harmless
        if info.file_size > 1024 * 1024 and info.file_size > ratio * max(info.compress_size, 1):
            return _("文件解压后异常庞大（压缩比超过 %(r)d:1），疑似压缩炸弹，已拒绝") % {"r": ratio}, total
    if total > limit:
        return _("文件解压后超过 %(n)s，请拆分后再导入") % {"n": _mb(limit)}, total
    return None, total


def text_encoding(head: bytes) -> str | None:
    """The encoding of text whose first bytes are `head` (UTF-8, GB18030 ⊇ GBK, UTF-16 with BOM), or None."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = _decode_head(head, "utf-16")
        except UnicodeDecodeError:
            return None
        return "utf-16" if _looks_like_text(text) else None
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "gb18030"):
        try:
            text = _decode_head(head, encoding)
        except UnicodeDecodeError:
            continue
        return encoding if _looks_like_text(text) else None
    return None


def _decode_head(head: bytes, encoding: str) -> str:
    """Decode a sample, allowing one multi-byte character cut at its end."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    return decoder.decode(head, final=False)


def _looks_like_text(text: str) -> bool:
    if not text:
        return True
    control = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\v")
    return control <= len(text) // 100


def _what_binary(head: bytes) -> str | None:
    for prefix, what in _BINARY_SIGNATURES:
        if head.startswith(prefix):
            return what
    return None


def _spreadsheet(fileobj: IO[bytes], size: int) -> Checked:
    head = fileobj.read(HEAD_BYTES)
    fileobj.seek(0)
    if head.startswith(b"PK\x03\x04"):
        error, unpacked = zip_error(fileobj, required=XLSX_MEMBERS)
        if error:
            raise UploadRefused(error, field="file")
        return Checked(kind="xlsx", size=size, unpacked_bytes=unpacked)
    what = _what_binary(head)
    if what == "ole":
        raise UploadRefused(_("这是旧版 Excel（.xls）或受密码保护的文件：请在 Excel 中另存为 .xlsx 后再上传"),
                            field="file")
    encoding = None if what else text_encoding(head)
    if encoding is None:
        raise UploadRefused(_("文件内容既不是 Excel 工作簿（.xlsx），也不是 CSV 文本，无法导入"), field="file")
    return Checked(kind="text", size=size, encoding=encoding, unpacked_bytes=size)


# --- images and PDFs -----------------------------------------------------------------------------------


def _image(fileobj: IO[bytes], size: int) -> Checked | None:
    from PIL import Image, UnidentifiedImageError

    fileobj.seek(0)
    try:
        with Image.open(fileobj) as img:
            fmt = img.format or ""
            width, height = img.size
            if fmt not in IMAGE_FORMATS:
                return None
            if width * height > int(settings.UPLOAD_MAX_IMAGE_PIXELS):
                raise UploadRefused(_("图片像素过多（%(w)d×%(h)d），请缩小后再上传") % {"w": width, "h": height},
                                    field="file")
            img.verify()
    except UploadRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError,
            EOFError, struct.error):
        return None
    finally:
        fileobj.seek(0)
    return Checked(kind="image", size=size, image_format=fmt)


def _pdf(fileobj: IO[bytes], size: int) -> Checked | None:
    fileobj.seek(0)
    head = fileobj.read(1024)
    fileobj.seek(0)
    return Checked(kind="pdf", size=size) if b"%PDF-" in head else None


# --- the one entry point -------------------------------------------------------------------------------


def check_upload(uploaded: Any, *, kind: str, label: str = "", field: str = "file") -> Checked:
    """Check an uploaded file's size and content for `kind`; raise UploadRefused (naming `field`) if refused.

    Nothing is stored here: call it before saving, so a refused file leaves nothing behind."""
    if kind not in KINDS:
        raise ValueError(f"unknown upload kind {kind!r}")
    label = label or _("文件")
    if uploaded is None:
        raise UploadRefused(_("请选择「%(f)s」") % {"f": label}, field=field)
    size = _size_of(uploaded)
    if size == 0:
        raise UploadRefused(_("「%(f)s」是空文件") % {"f": label}, field=field)
    limit = max_bytes(kind)
    if size > limit:
        raise UploadRefused(_("「%(f)s」超过 %(n)s 上限") % {"f": label, "n": _mb(limit)}, field=field)
    uploaded.seek(0)
    try:
        if kind == "spreadsheet":
            try:
                return _spreadsheet(uploaded, size)
            except UploadRefused as exc:
                raise UploadRefused(_("「%(f)s」：%(m)s") % {"f": label, "m": exc.message}, field=field) from None
        checked = None
        if kind in ("image", "document"):
            checked = _image(uploaded, size)
        if checked is None and kind in ("pdf", "document"):
            checked = _pdf(uploaded, size)
    except UploadRefused as exc:
        exc.field = field
        raise
    finally:
        uploaded.seek(0)
    if checked is None:
        expected = {"image": _("图片（JPEG、PNG、WebP 等）"), "pdf": _("PDF 文件"),
                    "document": _("图片或 PDF 文件")}[kind]
        raise UploadRefused(_("「%(f)s」不是有效的%(e)s，已拒绝") % {"f": label, "e": expected}, field=field)
    return checked


def upload_error(uploaded: Any, *, kind: str, label: str = "") -> str | None:
    """The refusal message for `uploaded`, or None when it passes (for form `clean_<field>` methods)."""
    try:
        check_upload(uploaded, kind=kind, label=label)
    except UploadRefused as exc:
        return str(exc.message)
    return None


@deconstructible
class UploadValidator:
    """A model FileField's validator: `validators=[UploadValidator("document", "合同文件")]` — any form that
    fills the field (a ModelForm, the admin) checks the file by content and size like check_upload."""

    def __init__(self, kind: str, label: str = "") -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown upload kind {kind!r}")
        self.kind = kind
        self.label = label

    def __call__(self, value: Any) -> None:
        if not value:
            return
        if getattr(value, "_committed", False):
            return  # a file already stored was checked when it was uploaded
        fileobj = getattr(value, "file", value)
        message = upload_error(fileobj, kind=self.kind, label=self.label)
        if message:
            raise ValidationError(message, code="upload_refused")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UploadValidator) and (self.kind, self.label) == (other.kind, other.label)

    def __hash__(self) -> int:
        return hash((self.kind, self.label))


class BodyLimitUploadHandler(FileUploadHandler):
    """First of FILE_UPLOAD_HANDLERS: refuses a multipart body above MAX_REQUEST_BODY_BYTES before reading it.

    RequestDataTooBig is a SuspiciousOperation: Django answers 400, never buffering the body."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        limit = int(getattr(settings, "MAX_REQUEST_BODY_BYTES", 0) or 0)
        if limit and content_length > limit:
            raise RequestDataTooBig(f"request body of {content_length} bytes exceeds MAX_REQUEST_BODY_BYTES")
        return None

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
