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
