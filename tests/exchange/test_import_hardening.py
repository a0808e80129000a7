"""Imports that cannot lock or crash the system (issue 12 §1–§3): every column bounded, files by content, zip
bombs refused, runs never left running, reading without the write lock, IN lists batched."""

import csv
import gc
import io
import os
import sqlite3
import struct
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.db import OperationalError, connection
from django.utils import timezone

from kam.core.errors import ApplicationError
from kam.customers.models import Customer
from kam.customers.validators import make_credit_code
from kam.exchange import services
from kam.exchange.models import ImportRun
from kam.exchange.registry import get_kind
from kam.orders.models import Order, OrderLine, OrderReturn
from kam.receivables.models import Invoice, Payment
from tests.exchange.helpers import csv_upload, run, xlsx_upload

pytestmark = pytest.mark.django_db

ORDERS = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]


@pytest.fixture
def customer(customer_factory):
    return customer_factory("佛山华美酒店")


def _line(customer, **changes):
    row = {"number": "SO-1", "customer": customer.credit_code, "date": "2026-03-01", "status": "已交付",
           "series": "沙发", "model": "SF-320", "qty": 1, "price": "100", "amount": ""}
    row.update(changes)
    return list(row.values())


@pytest.fixture
def new_files():
    """The files stored under imports/ since the test began (the in-memory storage outlives tests)."""
    before = set(_stored_files())
    return lambda: sorted(set(_stored_files()) - before)


def _stored_files() -> list[str]:
    """Every file kept under imports/ by the (in-memory) storage."""
    found = []

    def walk(path):
        dirs, files = default_storage.listdir(path)
        found.extend(f"{path}/{f}" for f in files)
        for d in dirs:
            walk(f"{path}/{d}")

    if default_storage.exists("imports"):
        walk("imports")
    return found


# --- §1: every date and money column is bounded -----------------------------------------------------------

@pytest.mark.parametrize("changes,column,fragment", [
    ({"date": "0001-01-01"}, "下单日期", "须在 2000-01-01 至"),
    ({"date": "9999-12-31"}, "下单日期", "须在 2000-01-01 至"),
    ({"date": "1999-12-31"}, "下单日期", "须在 2000-01-01 至"),
    ({"date": "20991231"}, "下单日期", "须在 2000-01-01 至"),
    ({"amount": "100000000000000000000"}, "金额（元）", "超出上限"),  # 10^20
    ({"amount": "1e309"}, "金额（元）", "超出上限"),
    ({"amount": "NaN"}, "金额（元）", "不是有效数字"),
    ({"amount": "Infinity"}, "金额（元）", "不是有效数字"),
    ({"amount": "-100"}, "金额（元）", "不能为负数"),
    ({"price": "-1"}, "单价（元）", "不能为负数"),
    ({"price": "1e13"}, "单价（元）", "超出上限"),  # unit price is DecimalField(max_digits=14)
    ({"qty": "1e11"}, "数量", "超出上限"),  # quantity is DecimalField(max_digits=12)
    ({"qty": "1e309"}, "数量", "超出上限"),
])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_out_of_bounds_cells_are_row_errors_naming_the_column(users, customer, changes, column, fragment, fmt):
    rows = [ORDERS, _line(customer, number="SO-0"), _line(customer, **changes)]
    upload = csv_upload("o.csv", rows) if fmt == "csv" else xlsx_upload("o.xlsx", rows)
    r, result = run(users.head, "orders", upload)
    assert not result.ok and result.error_count == 1
    assert str(result.errors[0]).startswith(f"第 3 行「{column}」: ") and fragment in str(result.errors[0])
    assert r.status == "invalid" and Order.objects.count() == 0


def test_xlsx_date_cells_outside_the_window(users, customer):
    rows = [ORDERS, _line(customer, date=datetime(9999, 12, 31)), _line(customer, number="SO-2", date=date(1999, 12, 31)),
            _line(customer, number="SO-3", date=2958465)]  # an Excel serial: 9999-12-31
    _r, result = run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    assert result.error_count == 3, [str(e) for e in result.errors]
    assert all("「下单日期」: 须在 2000-01-01 至" in str(e) for e in result.errors), [str(e) for e in result.errors]


def test_the_sum_of_an_orders_lines_must_fit_its_amount(users, customer):
    big = "60000000000000"  # 6×10^13: each line fits, the order's total (1.2×10^14) does not
    rows = [ORDERS, _line(customer, amount=big), _line(customer, amount=big, model="SF-321")]
    _r, result = run(users.head, "orders", csv_upload("o.csv", rows))
    assert not result.ok and "合计金额超出上限" in str(result.errors[0]) and Order.objects.count() == 0


def test_every_kinds_money_and_date_columns_are_bounded():
    """Each money column is type=money (bounded to its model column, ≥ 0) and each date column has a window."""
    money = {(k.name, c.field) for k in _kinds() for c in k.columns if c.type == "money"}
    assert money == {("orders", "unit_price"), ("orders", "amount"), ("returns", "amount"),
                     ("invoices", "amount"), ("payments", "amount"), ("gifts", "unit_value"),
                     ("contracts", "amount_ceiling")}
    assert not [(k.name, c.field) for k in _kinds() for c in k.columns if c.type == "decimal" and not c.max_digits]
    historic = {(k.name, c.field) for k in _kinds() for c in k.columns if c.historic}
    assert historic == {("customers", "founded_on"), ("customers", "cooperation_start_override")}


def _kinds():
    from kam.exchange.registry import all_kinds

    return all_kinds()


@pytest.mark.parametrize("kind,rows,column", [
    ("returns", [["退货单号", "订单编号", "退货日期", "退货金额（元）"], ["TH-1", "SO-1", "2026-05-06", "-6560"]], "退货金额（元）"),
    ("returns", [["退货单号", "订单编号", "退货日期", "退货金额（元）"], ["TH-1", "SO-1", "0001-01-01", "1"]], "退货日期"),
    ("invoices", [["发票号码", "客户", "开票日期", "到期日", "金额（元）"],
                  ["F-1", "{code}", "2026-04-15", "9999-12-31", "100"]], "到期日"),
    ("invoices", [["发票号码", "客户", "开票日期", "到期日", "金额（元）"],
                  ["F-1", "{code}", "2026-04-15", "2026-06-14", "1e20"]], "金额（元）"),
    ("payments", [["收款单号", "客户", "收款日期", "金额（元）"], ["SK-1", "{code}", "2026-06-10", "-1"]], "金额（元）"),
    ("payments", [["收款单号", "客户", "收款日期", "金额（元）"], ["SK-1", "{code}", "1970-01-01", "1"]], "收款日期"),
    ("contracts", [["合同编号", "客户", "开始日期", "结束日期"], ["HT-1", "{code}", "2026-01-10", "9999-12-31"]],
     "结束日期"),
    ("contacts", [["客户", "姓名", "生日月"], ["{code}", "林董", "1e309"]], "生日月"),
    ("contacts", [["客户", "姓名", "生日月"], ["{code}", "林董", "13"]], "生日月"),
    ("customers", [["客户名称", "统一社会信用代码", "公司成立日"], ["甲", "{new}", "1899-12-31"]], "公司成立日"),
    ("assignments", [["客户", "客户经理", "开始日期"], ["{code}", "am1", "0001-01-01"]], "开始日期"),
    ("key_accounts", [["客户", "认定日期"], ["{code}", "9999-12-31"]], "认定日期"),
    ("tickets", [["工单号", "客户", "报修时间", "问题描述"], ["SH-1", "{code}", "0525-12-24 09:30", "开裂"]], "报修时间"),
    ("tickets", [["工单号", "客户", "报修时间", "问题描述", "关闭时间"],
                 ["SH-1", "{code}", "2026-11-02 09:30", "开裂", "9999-12-31 23:59"]], "关闭时间"),
])
def test_each_kind_refuses_out_of_bounds_values(users, customer, kind, rows, column):
    new_code = make_credit_code("91440101MA5BBBBB1")
    rows = [[str(c).format(code=customer.credit_code, new=new_code) for c in row] for row in rows]
    r, result = run(users.head, kind, csv_upload("f.csv", rows))
    assert not result.ok, kind
    assert any(f"「{column}」" in str(e) for e in result.errors), [str(e) for e in result.errors]
    assert r.status == "invalid"
    assert not OrderReturn.objects.exists() and not Invoice.objects.exists() and not Payment.objects.exists()


def test_founding_days_before_2000_are_history_not_typos(users):
    code = make_credit_code("91440101MA5BBBBB1")
    _r, result = run(users.head, "customers", csv_upload("c.csv", [["客户名称", "统一社会信用代码", "公司成立日"],
                                                                 ["甲", code, "1995-06-18"]]))
    assert result.ok and Customer.objects.get(credit_code=code).founded_on == date(1995, 6, 18)


# --- §3: files by content, not name ---------------------------------------------------------------------

EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(range(256)) * 16


@pytest.mark.parametrize("name,data,fragment", [
    ("orders.xlsx", os.urandom(8192), "既不是"),
    ("orders.xlsx", b"PK\x03\x04" + os.urandom(4000), "已损坏"),
    ("orders.csv", EXE, "既不是"),
    ("orders.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), "另存为 .xlsx"),
])
def test_unreadable_files_are_refused_at_upload_and_nothing_is_stored(users, client, name, data, fragment,
                                                                       new_files):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as exc:
        services.import_upload(actor=users.head, kind_name="orders", uploaded=SimpleUploadedFile(name, data))
    assert exc.value.field == "file" and fragment in str(exc.value.message)
    # the page shows the message on the form: no 500, no run, no orphan file
    client.force_login(users.head)
    response = client.post("/exchange/imports/", {"kind": "orders", "file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200 and fragment in response.content.decode()
    assert not ImportRun.objects.exists() and new_files() == []


def test_excel_unicode_text_utf16_tab_separated_is_read(users, customer):
    """Excel's "Unicode text": UTF-16LE with a BOM, tab-separated."""
    buf = io.StringIO()
    writer = csv.writer(buf, dialect="excel-tab")
    writer.writerows([ORDERS, _line(customer, price="3,280.00"), _line(customer, number="SO-2", series="酒店床组")])
    data = buf.getvalue().encode("utf-16")
    assert data[:2] == b"\xff\xfe"
    from django.core.files.uploadedfile import SimpleUploadedFile

    _r, result = run(users.head, "orders", SimpleUploadedFile("订单.txt", data))
    assert result.ok, [str(e) for e in result.errors]
    assert Order.objects.get(number="SO-1").amount == Decimal("3280.00")
    assert OrderLine.objects.get(order__number="SO-2").product_series == "酒店床组"


def test_a_file_that_turns_undecodable_after_its_first_64_kb_fails_the_run_cleanly(users, customer, client,
                                                                                   new_files):
    """The upload check sees a clean head; the dry run finds the bad bytes: the run fails with the line named,
    its file is removed, the page shows the message (no 500)."""
    head = "\n".join(",".join(map(str, _line(customer, number=f"SO-{i}"))) for i in range(1, 2000))
    data = (",".join(ORDERS) + "\n" + head + "\n").encode() + b"SO-X,\xff\xfe\xff,2026-03-01\n"
    assert len(data) > 64 * 1024
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(users.head)
    response = client.post("/exchange/imports/", {"kind": "orders", "file": SimpleUploadedFile("o.csv", data)},
                           follow=True)
    assert response.status_code == 200
    r = ImportRun.objects.get()
    assert r.status == "failed" and "第 2001 行" in r.message and r.file.name == ""
    assert "导入失败" in response.content.decode() and "重试" not in response.content.decode()
    assert new_files() == [] and Order.objects.count() == 0


def test_a_cell_too_large_for_csv_fails_the_run_with_a_message(users, customer):
    data = (",".join(ORDERS) + "\n" + "SO-1," + "x" * 200_000 + "\n").encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    r, result = run(users.head, "orders", SimpleUploadedFile("o.csv", data))
    assert result.failed and r.status == "failed" and "CSV" in r.message


# --- §3: zip bombs --------------------------------------------------------------------------------------

def _workbook(sheet_xml: bytes) -> bytes:
    """A minimal .xlsx around one sheet's XML (valid for calamine and Excel)."""
    members = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                               b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
                               b'-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                               b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               b'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                               b'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                               b'worksheet+xml"/></Types>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                       b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
                       b'2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": b'<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                           b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                           b'<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": b'<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                                      b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                                      b'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                                      b'Target="worksheets/sheet1.xml"/></Relationships>',
        "xl/worksheets/sheet1.xml": sheet_xml,
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _sheet(rows: list[list[str]], declared_rows: int) -> bytes:
    def cell(col: int, r: int, v: str) -> str:
        return f'<c r="{chr(65 + col)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'

    body = "".join(f'<row r="{r}">' + "".join(cell(c, r, v) for c, v in enumerate(row)) + "</row>"
                   for r, row in enumerate(rows, 1))
    return (f'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<dimension ref="A1:I{declared_rows}"/><sheetData>{body}</sheetData></worksheet>').encode()


def test_a_zip_bomb_declaring_two_rows_is_refused_at_upload(users, new_files):
    """Tens of MB of padding inside a sheet that declares 2 rows, a few KB on disk: refused from the zip
    directory (ratio and unpacked size), before any XML is parsed; nothing stored."""
    sheet = _sheet([ORDERS, ["SO-1"]], declared_rows=2).replace(b"<sheetData>", b"<sheetData>" + b" " * (40 << 20))
    bomb = _workbook(sheet)
    assert len(bomb) < 200 * 1024
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as exc:
        services.import_upload(actor=users.head, kind_name="orders", uploaded=SimpleUploadedFile("b.xlsx", bomb))
    assert "压缩炸弹" in str(exc.value.message)
    assert not ImportRun.objects.exists() and new_files() == []


def test_unpacked_size_above_the_setting_is_refused(users, settings, customer):
    settings.UPLOAD_MAX_UNPACKED_BYTES = 20 * 1024
    rows = [ORDERS] + [_line(customer, number=f"SO-{i}") for i in range(300)]
    data = _workbook(_sheet([[str(v) for v in r] for r in rows], declared_rows=2))
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ApplicationError) as exc:
        services.import_upload(actor=users.head, kind_name="orders", uploaded=SimpleUploadedFile("b.xlsx", data))
    assert "解压后超过 20 KB" in str(exc.value.message)


def test_background_is_decided_by_unpacked_size_not_by_declared_rows(users, settings, customer):
    """A sheet declaring 2 rows whose XML unpacks to more than IMPORT_INLINE_MAX_BYTES runs in the worker."""
    settings.IMPORT_INLINE_MAX_BYTES = 64 * 1024
    rows = [ORDERS] + [[f"SO-{i}", customer.credit_code, "2026-03-01", "已交付", "沙发", f"M-{i}", "1", "100", ""]
                       for i in range(1500)]
    data = _workbook(_sheet(rows, declared_rows=2))
    assert len(data) < settings.IMPORT_INLINE_MAX_BYTES
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = services.import_upload(actor=users.head, kind_name="orders", uploaded=SimpleUploadedFile("o.xlsx", data))
    assert r.total_rows == 2  # what the file declares: shown on the progress bar, decides nothing
    assert r.size < settings.IMPORT_INLINE_MAX_BYTES < r.work_bytes
    assert services.runs_in_background(r)
    result = services.import_execute(actor=users.head, run=r, dry_run=True)
    assert result.ok and result.counts["rows"] == 1500


def _lying_zip(data: bytes, member: str, declared: int) -> bytes:
    """`data` with `member`'s uncompressed size rewritten to `declared` in both headers."""
    out = bytearray(data)
    name = member.encode()
    local = out.find(b"PK\x03\x04" + out[4:4])  # first local header
    while local != -1:
        name_len = struct.unpack_from("<H", out, local + 26)[0]
        if bytes(out[local + 30:local + 30 + name_len]) == name:
            struct.pack_into("<I", out, local + 22, declared)
        local = out.find(b"PK\x03\x04", local + 4)
    central = out.find(b"PK\x01\x02")
    while central != -1:
        name_len = struct.unpack_from("<H", out, central + 28)[0]
        if bytes(out[central + 46:central + 46 + name_len]) == name:
            struct.pack_into("<I", out, central + 24, declared)
        central = out.find(b"PK\x01\x02", central + 4)
    return bytes(out)


def test_a_zip_whose_directory_lies_about_sizes_fails_the_run_without_unpacking_it(users, customer, new_files):
    rows = [ORDERS] + [[f"SO-{i}", customer.credit_code, "2026-03-01", "已交付", "沙发", "M", "1", "100", ""]
                       for i in range(50)]
    data = _lying_zip(_workbook(_sheet(rows, declared_rows=51)), "xl/worksheets/sheet1.xml", 100)
    from django.core.files.uploadedfile import SimpleUploadedFile

    r, result = run(users.head, "orders", SimpleUploadedFile("o.xlsx", data))
    assert result.failed and r.status == "failed" and "已损坏" in r.message
    assert r.file.name == "" and new_files() == [] and Order.objects.count() == 0


# --- §2: import runs never stay running ------------------------------------------------------------------

def test_a_database_failure_ends_the_run_as_failed_keeps_the_file_and_offers_retry(users, customer, client,
                                                                                  monkeypatch):
    handler = get_kind("orders").handler
    original = type(handler).apply

    def gone(self, rows, ctx):
        raise OperationalError("database is locked")

    monkeypatch.setattr(type(handler), "apply", gone)
    client.force_login(users.head)
    rows = [ORDERS, _line(customer)]
    response = client.post("/exchange/imports/", {"kind": "orders", "file": csv_upload("o.csv", rows)}, follow=True)
    assert response.status_code == 200
    r = ImportRun.objects.get()
    assert r.status == "failed" and "重试" in r.message and services.has_file(r)
    body = response.content.decode()
    assert "导入失败" in body and 'id="retry-import"' in body
    # the database is back: retry checks the file again
    monkeypatch.setattr(type(handler), "apply", original)
    response = client.post(f"/exchange/imports/{r.pk}/retry/", follow=True)
    r.refresh_from_db()
    assert r.status == "valid" and "校验通过" in response.content.decode()
    client.post(f"/exchange/imports/{r.pk}/confirm/")
    r.refresh_from_db()
    assert r.status == "done" and Order.objects.count() == 1


def test_a_failure_while_writing_rolls_back_everything(users, customer, monkeypatch):
    """The write phase is one transaction: a failure after some chunks leaves nothing behind."""
    from kam.exchange import pipeline

    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)
    handler = get_kind("orders").handler
    original = type(handler).apply
    calls = {"n": 0}

    def fail_on_third(self, rows, ctx):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OperationalError("disk I/O error")
        return original(self, rows, ctx)

    monkeypatch.setattr(type(handler), "apply", fail_on_third)
    rows = [ORDERS] + [_line(customer, number=f"SO-{i}") for i in range(10)]
    r, result = run(users.head, "orders", csv_upload("o.csv", rows))
    assert result.failed and r.status == "failed" and calls["n"] == 3
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0
    assert gc.isenabled()  # the pipeline pauses the cyclic collector during a run, never beyond it


def test_retry_needs_a_failed_run_with_its_file(users, customer):
    r, result = run(users.head, "orders", csv_upload("o.csv", [ORDERS, _line(customer)]), dry_run=True)
    assert r.status == "valid"
    with pytest.raises(ApplicationError):
        services.import_retry(actor=users.head, run=r)


def test_stale_runs_are_failed_by_the_sweep_function(users, customer):
    """A worker killed mid-import leaves its run "running" with no heartbeat: imports_fail_stale ends it."""
    now = timezone.now()
    r = services.import_upload(actor=users.head, kind_name="orders", uploaded=csv_upload("o.csv", [ORDERS]))
    fresh = services.import_upload(actor=users.head, kind_name="orders", uploaded=csv_upload("p.csv", [ORDERS]))
    ImportRun.objects.filter(pk=r.pk).update(status="running", heartbeat_at=now - timedelta(minutes=31))
    ImportRun.objects.filter(pk=fresh.pk).update(status="checking", heartbeat_at=now - timedelta(minutes=5))
    assert services.imports_fail_stale(now=now) == {"failed": 1, "files_removed": 0}
    r.refresh_from_db()
    fresh.refresh_from_db()
    assert r.status == "failed" and "30 分钟" in r.message and services.has_file(r)
    assert fresh.status == "checking"
    # the file stays for a retry, then goes after IMPORT_FAILED_FILE_DAYS
    ImportRun.objects.filter(pk=fresh.pk).update(status="done")
    later = now + timedelta(days=8)
    assert services.imports_fail_stale(now=later) == {"failed": 0, "files_removed": 1}
    r.refresh_from_db()
    fresh.refresh_from_db()
    assert not services.has_file(r) and r.file.name == ""
    assert services.has_file(fresh)  # an imported file is kept with its run


def test_a_task_for_a_run_no_longer_in_progress_does_nothing(users):
    from kam.exchange.tasks import run_import_task

    r = services.import_upload(actor=users.head, kind_name="orders", uploaded=csv_upload("o.csv", [ORDERS]))
    ImportRun.objects.filter(pk=r.pk).update(status="failed")
    assert run_import_task.call(run_id=r.pk, user_id=users.head.pk, dry_run=True) == {"skipped": "failed"}


# --- §3: reading without the write lock; IN lists batched ------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_rows_are_read_and_checked_outside_any_transaction_then_written_in_one(users, customer_factory,
                                                                                monkeypatch):
    """On SQLite a transaction holds the write lock: the read phase (parse, references, duplicates) runs with
    none open; the write phase in transactions (one on PostgreSQL; short slices on SQLite, see
    test_import_sliced.py), never in a savepoint of something else."""
    from kam.exchange import pipeline

    c = customer_factory("甲")
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 3)
    handler = get_kind("orders").handler
    seen: dict[str, list] = {"prepare": [], "apply": []}
    prepare, apply = type(handler).prepare, type(handler).apply

    def spy_prepare(self, rows, ctx):
        seen["prepare"].append(connection.in_atomic_block)
        return prepare(self, rows, ctx)

    def spy_apply(self, rows, ctx):
        seen["apply"].append((connection.in_atomic_block, len(connection.savepoint_ids)))
        return apply(self, rows, ctx)

    monkeypatch.setattr(type(handler), "prepare", spy_prepare)
    monkeypatch.setattr(type(handler), "apply", spy_apply)
    rows = [ORDERS] + [_line(c, number=f"SO-{i}") for i in range(10)]
    r, result = run(users.head, "orders", csv_upload("o.csv", rows))
    assert result.ok and r.status == "done" and Order.objects.count() == 10
    assert len(seen["prepare"]) == 4 and not any(seen["prepare"])
    assert seen["apply"] == [(True, [])] * 4 or seen["apply"] == [(True, 0)] * 4


def test_customer_references_and_parents_are_batched_under_sqlites_variable_limit(users):
    """1,200 customers with their group's credit code: every IN list stays under SQLite's variable limit
    (lowered here to 999, as old SQLite builds have; the 372,623-row file hit 250,000)."""
    codes = [make_credit_code(f"91440600{n:09d}") for n in range(1, 1201)]
    rows = [["客户名称", "统一社会信用代码", "所属集团信用代码"]]
    rows += [[f"客户{i}", code, codes[0] if i else ""] for i, code in enumerate(codes)]
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        old = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        _r, result = run(users.head, "customers", csv_upload("c.csv", rows))
        assert result.ok, [str(e) for e in result.errors[:3]]
        contacts = [["客户", "姓名"]] + [[code, "采购"] for code in codes]
        _r, result2 = run(users.head, "contacts", csv_upload("p.csv", contacts))
        assert result2.ok, [str(e) for e in result2.errors[:3]]
    finally:
        if connection.vendor == "sqlite":
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, old)
    assert Customer.objects.filter(parent__credit_code=codes[0]).count() == 1199


@pytest.mark.django_db(transaction=True)
def test_background_reading_yields_the_cpu_and_writing_does_not(users, customer_factory, monkeypatch):
    """In the worker, the read phase runs in a thread of lower priority; the write phase (holding the lock
    others wait for) at normal priority in the calling thread."""
    import threading

    from kam.exchange import pipeline

    c = customer_factory("甲")
    handler = get_kind("orders").handler
    seen: dict[str, list] = {"prepare": [], "apply": []}
    prepare, apply = type(handler).prepare, type(handler).apply

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def spy_prepare(self, rows, ctx):
        seen["prepare"].append((threading.current_thread().name, niceness()))
        return prepare(self, rows, ctx)

    def spy_apply(self, rows, ctx):
        seen["apply"].append((threading.current_thread().name, niceness()))
        return apply(self, rows, ctx)

    monkeypatch.setattr(type(handler), "prepare", spy_prepare)
    monkeypatch.setattr(type(handler), "apply", spy_apply)
    before = niceness()
    r = services.import_upload(actor=users.head, kind_name="orders",
                               uploaded=csv_upload("o.csv", [ORDERS, _line(c), _line(c, number="SO-2")]))
    result = services.import_execute(actor=users.head, run=r, dry_run=False, background=True)
    assert result.ok and Order.objects.count() == 2
    assert seen["prepare"] == [("import-read", max(before, pipeline.READ_NICENESS))]  # setpriority is absolute
    assert seen["apply"] == [(threading.current_thread().name, before)]
    assert niceness() == before
