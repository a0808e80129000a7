"""kam.core.uploads: files checked by content, size caps before the body is read, private permissions (issue 12 §3)."""

import io
import os
import sqlite3
import stat
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kam.core import uploads
from kam.core.uploads import UploadRefused, check_upload, upload_error

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(range(256)) * 8


def _png(size=(40, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(buf, "JPEG")
    return buf.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["客户名称", "统一社会信用代码"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def up(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def test_images_are_opened_by_pillow():
    assert check_upload(up("a.png", _png()), kind="image").image_format == "PNG"
    assert check_upload(up("a.jpg", _jpeg()), kind="image").image_format == "JPEG"
    assert check_upload(up("scan.jpg", _jpeg()), kind="document").kind == "image"


@pytest.mark.parametrize("name,data", [
    ("photo.jpg", EXE),  # an .exe renamed
    ("photo.jpg", b"\xff\xd8\xff\xe0" + os.urandom(2000)),  # a JPEG signature and garbage
    ("photo.png", _png()[:60]),  # a truncated PNG
    ("photo.jpg", b"%PDF-1.7\n..."),
])
def test_not_an_image_is_refused_with_the_field_named(name, data):
    with pytest.raises(UploadRefused) as exc:
        check_upload(up(name, data), kind="image", label="照片", field="photo")
    assert exc.value.field == "photo" and "「照片」" in str(exc.value.message)


def test_an_image_with_too_many_pixels_is_refused(settings):
    settings.UPLOAD_MAX_IMAGE_PIXELS = 1000
    message = upload_error(up("big.png", _png((100, 100))), kind="image", label="照片")
    assert message is not None and "像素" in message


def test_pdfs_by_signature():
    assert check_upload(up("licence.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF"), kind="pdf").kind == "pdf"
    assert check_upload(up("licence.pdf", b"%PDF-1.4\n%%EOF"), kind="document").kind == "pdf"
    assert upload_error(up("licence.pdf", EXE), kind="pdf", label="营业执照") is not None
    assert upload_error(up("contract.pdf", b"hello"), kind="document", label="合同") is not None


def test_per_kind_size_limits_before_reading_the_content(settings):
    settings.UPLOAD_MAX_BYTES = {**settings.UPLOAD_MAX_BYTES, "image": 1024}
    message = upload_error(up("photo.png", _png((400, 400)) + b"\0" * 2048), kind="image", label="照片")
    assert message == "「照片」超过 1 KB 上限"
    assert upload_error(up("empty.png", b""), kind="image", label="照片") == "「照片」是空文件"


def test_spreadsheets_by_content():
    assert check_upload(up("orders.xlsx", _xlsx()), kind="spreadsheet").kind == "xlsx"
    assert check_upload(up("orders.csv", "订单编号,客户\nSO-1,甲\n".encode("gbk")), kind="spreadsheet").encoding \
        == "gb18030"
    assert check_upload(up("orders.csv", "订单编号,客户\n".encode()), kind="spreadsheet").encoding == "utf-8"
    # Excel's "Unicode text": UTF-16LE with a byte-order mark, tab-separated
    checked = check_upload(up("orders.txt", "订单编号\t客户\r\nSO-1\t甲\r\n".encode("utf-16")), kind="spreadsheet")
    assert checked.kind == "text" and checked.encoding == "utf-16"
    # a CSV named .xlsx is still a CSV: the content decides
    assert check_upload(up("orders.xlsx", b"a,b\n1,2\n"), kind="spreadsheet").kind == "text"


@pytest.mark.parametrize("name,data,fragment", [
    ("orders.xlsx", os.urandom(4096), "既不是"),  # random bytes named .xlsx
    ("orders.csv", EXE, "既不是"),  # an .exe renamed .csv
    ("orders.xlsx", b"PK\x03\x04" + os.urandom(500), "已损坏"),  # a corrupt zip
    ("orders.xlsx", _zip({"readme.txt": b"hello"}), "不是 Excel"),  # a zip, not a workbook
    ("orders.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "另存为 .xlsx"),  # old Excel
    ("orders.csv", "订单\x00编号".encode("utf-16-le"), "既不是"),  # UTF-16 without a byte-order mark
])
def test_other_files_are_refused_clearly(name, data, fragment):
    message = upload_error(up(name, data), kind="spreadsheet", label="导入文件")
    assert message is not None and message.startswith("「导入文件」") and fragment in message


def test_a_zip_bomb_is_refused_from_its_directory():
    """8 MB of zeros packs into a few KB (ratio ≫ 100:1): refused without unpacking."""
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": b"<worksheet><dimension ref=\"A1:B2\"/>" + b"\0" * (8 << 20)})
    assert len(bomb) < 64 * 1024
    message = upload_error(up("bomb.xlsx", bomb), kind="spreadsheet", label="导入文件")
    assert message is not None and "压缩炸弹" in message


def test_unpacked_size_is_capped(settings):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 100 * 1024
    data = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>",
                 "xl/worksheets/sheet1.xml": os.urandom(200 * 1024)})
    message = upload_error(up("big.xlsx", data), kind="spreadsheet", label="导入文件")
    assert message is not None and "解压后超过" in message


def test_request_body_is_capped_before_it_is_read(client, settings, db):
    """A multipart body above MAX_REQUEST_BODY_BYTES is answered 400 by the first upload handler."""
    settings.MAX_REQUEST_BODY_BYTES = 10 * 1024
    response = client.post("/login/", {"username": "x", "file": up("big.bin", b"x" * 20 * 1024)})
    assert response.status_code == 400
    settings.MAX_REQUEST_BODY_BYTES = 1024 * 1024
    assert client.post("/login/", {"username": "x", "file": up("small.bin", b"x" * 1024)}).status_code != 400


def test_upload_settings():
    from django.conf import settings

    assert settings.FILE_UPLOAD_PERMISSIONS == 0o600 and settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS == 0o700
    assert settings.FILE_UPLOAD_HANDLERS[0] == "kam.core.uploads.BodyLimitUploadHandler"
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 1024 * 1024
    assert set(settings.UPLOAD_MAX_BYTES) == set(uploads.KINDS)


def test_stored_files_are_private(tmp_path, settings):
    from django.core.files.base import ContentFile
    from django.core.files.storage import FileSystemStorage

    os.umask(0o022)
    storage = FileSystemStorage(location=tmp_path / "media")
    name = storage.save("imports/2026/12/a.csv", ContentFile(b"a,b\n"))
    assert stat.S_IMODE(os.stat(storage.path(name)).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tmp_path / "media" / "imports" / "2026").st_mode) == 0o700


def test_the_sqlite_database_file_is_made_private(tmp_path):
    from django.db.backends.signals import connection_created

    from kam.core.apps import private_sqlite_file

    path = tmp_path / "kam.sqlite3"
    os.umask(0o022)
    sqlite3.connect(path).execute("create table t(x)").connection.close()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644

    class FakeConnection:
        vendor = "sqlite"
        settings_dict = {"NAME": str(path)}

    private_sqlite_file(sender=None, connection=FakeConnection())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert any(r[0][0] == "kam.core.private_sqlite_file" for r in connection_created.receivers)
