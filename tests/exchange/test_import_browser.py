"""Playwright: head uploads a file with one bad row, sees that row's error, fixes it, imports."""

import pytest

from kam.customers.validators import make_credit_code
from tests.core.browser import browser, login, needs_chromium  # noqa: F401 - fixture

pytestmark = [needs_chromium, pytest.mark.django_db(transaction=True)]


def _write(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)


def test_head_fixes_a_bad_row_and_imports(live_server, make_user, browser, tmp_path):  # noqa: F811
    from kam.customers.models import Customer
    from kam.users.models import Role

    make_user("head", Role.HEAD_OF_SALES)
    rows = [["客户名称", "统一社会信用代码", "客户类型", "城市"]] + [
        [f"客户{i}", make_credit_code(f"914406040000{i:05d}"), "大型酒店运营商", "佛山"] for i in range(1, 8)]
    rows[5][2] = "酒店"  # file row 6: not one of the types
    bad = tmp_path / "客户.xlsx"
    _write(bad, rows)

    page = browser.new_page()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/exchange/imports/")
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#errors")
    error_text = page.inner_text("#errors")
    assert "第 6 行" in error_text and "客户类型" in error_text
    assert Customer.objects.count() == 0

    rows[5][2] = "大型酒店运营商"
    fixed = tmp_path / "客户-修正.xlsx"
    _write(fixed, rows)
    page.select_option("#reupload-form select[name=kind]", "customers")
    page.set_input_files("#reupload-form input[type=file]", str(fixed))
    page.click("#reupload-form button[type=submit]")
    page.wait_for_selector("#confirm-import")
    page.click("#confirm-import")
    page.wait_for_selector("text=已导入")
    assert Customer.objects.count() == 7


def test_head_downloads_the_error_file_from_the_run_page(live_server, make_user, browser, tmp_path):  # noqa: F811
    """Issue 13: the run page links the error file; it holds the file's rows and their errors in a "错误" column."""
    from openpyxl import load_workbook

    from kam.users.models import Role

    make_user("head", Role.HEAD_OF_SALES)
    rows = [["客户名称", "统一社会信用代码", "客户类型", "公司成立日"],
            ["客户1", make_credit_code("91440604000000001"), "酒店", "2008-13-01"],
            ["客户2", make_credit_code("91440604000000002"), "其他", ""]]
    bad = tmp_path / "客户.xlsx"
    _write(bad, rows)
    page = browser.new_page()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/exchange/imports/")
    page.select_option("#id_kind", "customers")
    page.set_input_files("#id_file", str(bad))
    page.click("#upload-form button[type=submit]")
    page.wait_for_selector("#error-file")
    with page.expect_download() as info:
        page.click("#error-file")
    download = info.value
    assert download.suggested_filename == "客户_错误.xlsx"
    with open(download.path(), "rb") as fh:
        ws = load_workbook(fh).worksheets[0]
    got = [[c.value for c in row] for row in ws.iter_rows()]
    assert got[0] == rows[0] + ["错误"]
    assert "「客户类型」酒店 不是可选值" in got[1][4] and "「公司成立日」" in got[1][4]
    assert got[2][4] is None


def test_the_progress_bar_follows_a_background_run_until_its_outcome(live_server, make_user, browser):  # noqa: F811
    """Issue 13: the run page polls (htmx) while a run is in progress; the bar moves with the rows the run
    records, and the outcome replaces it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from kam.exchange import services
    from kam.exchange.models import ImportRun
    from kam.users.models import Role

    head = make_user("head", Role.HEAD_OF_SALES)
    data = "客户名称,统一社会信用代码\n甲," + make_credit_code("91440604000000001") + "\n"
    run = services.import_upload(actor=head, kind_name="customers",
                                 uploaded=SimpleUploadedFile("c.csv", data.encode()))
    ImportRun.objects.filter(pk=run.pk).update(status="checking", total_rows=200, processed_rows=50)
    page = browser.new_page()
    login(page, live_server.url, "head")
    page.goto(f"{live_server.url}/exchange/imports/{run.pk}/")
    assert page.get_attribute("#run-progress progress", "value") == "50"
    assert "已处理 50 / 200 行（25%）" in page.inner_text("#run-progress-figure")
    ImportRun.objects.filter(pk=run.pk).update(processed_rows=150)
    page.wait_for_selector('#run-progress progress[value="150"]', timeout=10_000)
    assert "（75%）" in page.inner_text("#run-progress-figure")
    services.import_execute(actor=head, run=ImportRun.objects.get(pk=run.pk), dry_run=True)
    page.wait_for_selector("#confirm-import", timeout=10_000)
    assert page.query_selector("progress") is None
