"""Issue 13, imports: the error file — the original rows (same columns, same row numbers) as an .xlsx with an
added "错误" column listing each row's errors in Chinese; a link on the run page; only for who may see the run;
formula injection neutralised as in every export; removed with the uploaded file."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from kam.audit.models import AuditEvent
from kam.exchange import pipeline, services
from kam.exchange.models import ImportRun
from kam.orders.models import Order
from tests.exchange.helpers import csv_upload, xlsx_upload

pytestmark = pytest.mark.django_db

ORDERS = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）", "备注"]


@pytest.fixture
def customer(customer_factory):
    return customer_factory("佛山华美酒店")


def _xlsx_text(name, rows):
    """An .xlsx whose text cells are text even when they start with "=" (as an ERP writes them)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return SimpleUploadedFile(name, buf.getvalue())


def _upload(client, user, upload, kind="orders"):
    client.force_login(user)
    response = client.post("/exchange/imports/", {"kind": kind, "file": upload}, follow=True)
    assert response.status_code == 200
    return ImportRun.objects.latest("id"), response.content.decode()


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert response["Cache-Control"] == "no-store, private"
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return wb.worksheets[0]


def _values(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_error_file_has_the_original_rows_and_an_error_column(users, client, customer):
    code = customer.credit_code
    rows = [ORDERS,
            ["SO-1", "不存在的客户", "2026-02-30", "已交付", "沙发", "SF-320", 1, 100, None, "=HYPERLINK(\"http://x\")"],
            ["SO-2", code, "2026-03-01", "已交付", "沙发", "SF-320", 2, 100, None, "正常"],
            ["SO-3", code, "2026-03-01", "已交付", "沙发", "SF-320", 1, "abc", None, "@SUM(A1)"]]
    run, page = _upload(client, users.head, _xlsx_text("订单.xlsx", rows))
    assert run.status == "invalid" and run.error_file
    assert 'id="error-file"' in page and f"/exchange/imports/{run.pk}/errors.xlsx" in page and "下载错误文件" in page

    response = client.get(f"/exchange/imports/{run.pk}/errors.xlsx")
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert "%E8%AE%A2%E5%8D%95_%E9%94%99%E8%AF%AF.xlsx" in response["Content-Disposition"]  # 订单_错误.xlsx
    ws = _sheet(response)
    got = _values(ws)
    assert got[0] == ORDERS + ["错误"]
    assert len(got) == 4 and all(len(r) == len(ORDERS) + 1 for r in got)
    # the original cells, as they were (text that reads as a formula neutralised, as in exports)
    assert got[1][:9] == ["SO-1", "不存在的客户", "2026-02-30", "已交付", "沙发", "SF-320", 1, 100, None]
    assert got[1][9] == "'=HYPERLINK(\"http://x\")" and ws["J2"].data_type == "s"
    assert got[3][9] == "'@SUM(A1)"
    # each row's errors in Chinese, all of them; a row without errors has an empty cell
    assert "「客户」找不到客户 不存在的客户" in got[1][10] and "「下单日期」2026-02-30 不是有效日期" in got[1][10]
    assert got[2][10] is None
    assert got[3][10] == "「单价（元）」abc 不是有效数字"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    event = AuditEvent.objects.get(action="exchange.import.error_file_downloaded")
    assert event.actor == users.head and event.target_id == str(run.pk)


def test_the_fixed_error_file_imports(users, client, customer):
    """The user corrects the rows in the error file and uploads it as it is: the "错误" column is ignored."""
    rows = [ORDERS, ["SO-1", "不存在的客户", "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, None, ""]]
    run, _page = _upload(client, users.head, xlsx_upload("o.xlsx", rows))
    wb = load_workbook(io.BytesIO(b"".join(client.get(f"/exchange/imports/{run.pk}/errors.xlsx").streaming_content)))
    ws = wb.worksheets[0]
    ws["B2"] = customer.credit_code
    buf = io.BytesIO()
    wb.save(buf)
    from django.core.files.uploadedfile import SimpleUploadedFile

    fixed, page = _upload(client, users.head, SimpleUploadedFile("o-修正.xlsx", buf.getvalue()))
    assert fixed.status == "valid", fixed.errors
    client.post(f"/exchange/imports/{fixed.pk}/confirm/")
    assert Order.objects.filter(number="SO-1", customer=customer).exists()


def test_row_numbers_match_the_original_with_a_banner_and_blank_rows(users, client, customer):
    """Rows above the header (an ERP's banner) and blank rows are kept: "第 N 行" is row N of the error file."""
    rows = [["用友U8 销售订单列表"], ORDERS,
            ["SO-1", customer.credit_code, "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, "", ""],
            [],
            ["SO-2", customer.credit_code, "2026-03-01", "已交付", "沙发", "SF-320", 0, 100, "", ""]]
    run, page = _upload(client, users.head, csv_upload("u8.csv", rows))
    assert run.errors == [{"line": 5, "column": "数量", "message": "必须大于 0"}]
    got = _values(_sheet(client.get(f"/exchange/imports/{run.pk}/errors.xlsx")))
    assert got[0][0] == "用友U8 销售订单列表"
    assert got[1] == ORDERS + ["错误"]
    assert got[4][0] == "SO-2" and got[4][10] == "「数量」必须大于 0"
    assert got[2][10] is None and all(v is None for v in got[3])


def test_csv_numbers_stay_numbers_and_formulas_are_neutralised(users, client, customer):
    rows = [ORDERS, ["SO-1", "不存在的客户", "2026-03-01", "已交付", "沙发", "SF-320", "-1", "1,200.00", "", "=1+2"],
            ["SO-2", customer.credit_code, "2026-03-01", "已交付", "+cmd|' /C calc'!A0", "SF-320", "1", "5", "", ""]]
    run, _page = _upload(client, users.head, csv_upload("o.csv", rows, "gbk"))
    ws = _sheet(client.get(f"/exchange/imports/{run.pk}/errors.xlsx"))
    got = _values(ws)
    assert got[1][6] == "-1" and got[1][7] == "1,200.00"  # as the file wrote them: the fixed file imports
    assert got[1][9] == "'=1+2"
    assert got[2][4] == "'+cmd|' /C calc'!A0"
    assert "「数量」必须大于 0" in got[1][10]


def test_the_error_file_holds_every_error_beyond_those_the_page_shows(users, client, customer, monkeypatch):
    monkeypatch.setattr(pipeline, "MAX_ERRORS_KEPT", 3)
    rows = [ORDERS] + [[f"SO-{i}", customer.credit_code, "2026-03-01", "已交付", "沙发", "SF", 1, "x", "", ""]
                       for i in range(8)]
    run, page = _upload(client, users.head, csv_upload("o.csv", rows))
    assert run.error_count == 8 and len(run.errors) == 3 and "只显示前 3 处" in page
    got = _values(_sheet(client.get(f"/exchange/imports/{run.pk}/errors.xlsx")))
    assert all(r[10] == "「单价（元）」x 不是有效数字" for r in got[1:]) and len(got) == 9


def test_the_error_file_is_only_for_who_may_see_the_run(users, client, customer, make_user):
    from kam.users.models import Role

    rows = [["发票号码", "客户", "开票日期", "到期日", "金额（元）"], ["INV-1", "无此客户", "2026-04-01", "2026-05-01", "100"]]
    run, _page = _upload(client, users.fin, csv_upload("i.csv", rows), kind="invoices")
    url = f"/exchange/imports/{run.pk}/errors.xlsx"
    assert client.get(url).status_code == 200  # who ran it
    client.force_login(users.head)  # the head of sales sees every import
    assert client.get(url).status_code == 200
    fin2 = make_user("fin2", Role.FINANCE)
    for who in (fin2, users.am1, users.mgmt, users.admin, users.mkt):
        client.force_login(who)
        assert client.get(url).status_code == 404, who
    client.logout()
    assert client.get(url).status_code == 302  # to the log-in page
    assert AuditEvent.objects.filter(action="exchange.import.error_file_downloaded").count() == 2


def test_no_error_file_for_a_valid_run_and_a_new_check_replaces_it(users, client, customer):
    rows = [ORDERS, ["SO-1", customer.credit_code, "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, "", ""]]
    run, page = _upload(client, users.head, csv_upload("o.csv", rows))
    assert run.status == "valid" and not run.error_file and "下载错误文件" not in page
    assert client.get(f"/exchange/imports/{run.pk}/errors.xlsx").status_code == 404


def test_the_error_file_goes_with_the_uploaded_file(users, client, customer, settings):
    rows = [ORDERS, ["SO-1", "无此客户", "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, "", ""]]
    run, _page = _upload(client, users.head, csv_upload("o.csv", rows))
    name = run.error_file.name
    storage = run.error_file.storage
    assert storage.exists(name) and name.startswith("imports/errors/")
    later = timezone.now() + dt.timedelta(days=int(settings.IMPORT_FAILED_FILE_DAYS) + 1)
    assert services.imports_fail_stale(now=later)["files_removed"] == 1
    run.refresh_from_db()
    assert not run.error_file and not storage.exists(name)
    assert client.get(f"/exchange/imports/{run.pk}/errors.xlsx").status_code == 404


def test_the_writer_keeps_types_escapes_xml_and_never_writes_a_formula(users):
    """The streamed SpreadsheetML: dates stay dates, numbers numbers, XML specials and characters XML cannot
    carry are handled, formula triggers (half- and full-width) neutralised, cells beyond the header kept after
    the "错误" column; openpyxl and calamine (our reader) both read it."""
    from python_calamine import CalamineWorkbook

    from kam.exchange.error_file import write_error_file

    rows = [["导出说明 <U8> & 金蝶"], ["编号", "日期", "时间", "数量", "是否", "备注"],
            ["A&B<1>", dt.date(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30), 12.5, True, "＝1+1", "额外列"],
            ["  前后空格  ", None, None, 3, False, "bad\x01char", None],
            ["短行"]]
    buf = io.BytesIO()
    marked = write_error_file(rows, buf, header_line=2, line_errors={3: ["「数量」错", "「备注」也错"], 5: ["缺列"]},
                              user=users.head, title="t")
    assert marked == 2
    ws = load_workbook(io.BytesIO(buf.getvalue())).worksheets[0]
    got = _values(ws)
    assert got[0][0] == "导出说明 <U8> & 金蝶"
    assert got[1][:7] == ["编号", "日期", "时间", "数量", "是否", "备注", "错误"] and ws["G2"].font.b
    assert got[2][:8] == ["A&B<1>", dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 1, 9, 30), 12.5, True, "'＝1+1",
                          "「数量」错；「备注」也错", "额外列"]
    assert ws["B3"].number_format == "yyyy-mm-dd" and ws["C3"].number_format == "yyyy-mm-dd hh:mm"
    assert ws["G3"].font.color.rgb == "FFC00000"
    assert got[3][0] == "  前后空格  " and got[3][4] is False and got[3][5] == "badchar"
    assert got[4][0] == "短行" and got[4][6] == "缺列"
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)
    assert ws.freeze_panes == "A3"
    path = io.BytesIO(buf.getvalue())
    read = CalamineWorkbook.from_filelike(path).get_sheet_by_index(0).to_python()
    assert read[1][6] == "错误" and read[2][6] == "「数量」错；「备注」也错" and read[2][7] == "额外列"


def test_an_error_file_with_core_columns_shows_in_the_access_log(users, client, customer):
    """A7.2: decision makers' phone numbers leaving in a contacts import's error file are recorded in the
    core-data access log (channel export, the columns named, never a value); an invoices file is not."""
    from kam.audit.models import CoreAccess

    rows = [["客户", "姓名", "电话", "微信", "决策层"], ["无此客户", "林董", "13800138000", "lin_gd", "是"]]
    run, _page = _upload(client, users.head, csv_upload("c.csv", rows), kind="contacts")
    _sheet(client.get(f"/exchange/imports/{run.pk}/errors.xlsx"))
    access = CoreAccess.objects.get()
    assert access.channel == "export" and access.user == users.head and access.fields == ["phone", "wechat"]
    event = AuditEvent.objects.get(action="exchange.import.error_file_downloaded")
    assert event.rule == "A7.2" and event.changes["core_columns"] == ["phone", "wechat"]
    assert "13800138000" not in str(event.changes)

    rows = [["发票号码", "客户", "开票日期", "到期日", "金额（元）"], ["INV-1", "无此客户", "2026-04-01", "2026-05-01", "1"]]
    run, _page = _upload(client, users.fin, csv_upload("i.csv", rows), kind="invoices")
    _sheet(client.get(f"/exchange/imports/{run.pk}/errors.xlsx"))
    assert CoreAccess.objects.count() == 1
