"""Issue 13, imports: every check (parse, bounds, lookups, duplicates) runs on every row, so a file's errors are
reported in one pass — an unknown customer is reported together with a bad date in the same row or another
row, never only after the date is fixed. Still all or nothing: nothing is written."""

import pytest

from kam.customers.models import Customer
from kam.customers.validators import make_credit_code
from kam.orders.models import Order
from tests.exchange.helpers import csv_upload, run

pytestmark = pytest.mark.django_db

ORDERS = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]


@pytest.fixture
def customer(customer_factory):
    return customer_factory("佛山华美酒店")


def _found(result) -> set[tuple[int, str]]:
    return {(e.line, e.column) for e in result.errors}


def test_parse_errors_and_unknown_customers_are_reported_in_one_pass(users, customer):
    code = customer.credit_code
    rows = [ORDERS,
            ["SO-1", "不存在的客户", "2026-02-30", "已交付", "沙发", "SF-320", 1, 100, ""],  # lookup + parse, one row
            ["SO-2", code, "2026-03-01", "已交付", "沙发", "SF-320", 1, "abc", ""],  # parse only
            ["SO-3", "另一个不存在的客户", "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, ""],  # lookup only
            ["SO-4", "不存在的客户", "2026-03-01", "已交付", "沙发", "SF-320", 0, 100, ""],  # lookup + rule
            ["SO-5", code, "2026-03-01", "已交付", "沙发", "SF-320", 2, 100, ""]]  # fine
    _run, result = run(users.head, "orders", csv_upload("o.csv", rows))
    assert not result.ok
    assert _found(result) == {(2, "客户"), (2, "下单日期"), (3, "单价（元）"), (4, "客户"), (5, "客户"), (5, "数量")}
    assert result.error_count == 6
    assert Order.objects.count() == 0  # all or nothing


def test_customers_file_reports_bad_codes_dates_duplicates_and_missing_parents_at_once(users):
    a, b = make_credit_code("91440604MA4UJ5XK1"), make_credit_code("91440101MA5AAAAA1")
    header = ["客户名称", "统一社会信用代码", "所属集团信用代码", "公司成立日"]
    rows = [header,
            ["甲", a, "", "2008-13-01"],  # bad founding day
            ["乙", a, make_credit_code("91440101MA5CCCCC1"), ""],  # duplicate of row 2 + a parent nowhere
            ["丙", "91440604000000003X", "", ""],  # bad check digit
            ["", b, "", "not a date"]]  # missing name + bad date
    _run, result = run(users.head, "customers", csv_upload("c.csv", rows))
    assert _found(result) == {(2, "公司成立日"), (3, "统一社会信用代码"), (3, "所属集团信用代码"),
                              (4, "统一社会信用代码"), (5, "客户名称"), (5, "公司成立日")}
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("kind,rows,expected", [
    ("contacts", [["客户", "姓名", "生日月"], ["无此客户", "林董", "13"]], {"客户", "生日月"}),
    ("contracts", [["合同编号", "客户", "开始日期", "结束日期"], ["HT-1", "无此客户", "2026-02-01", "2026-01-01"]],
     {"客户", "结束日期"}),
    ("invoices", [["发票号码", "客户", "订单编号", "开票日期", "到期日", "金额（元）"],
                  ["INV-1", "无此客户", "SO-无", "2026-04-01", "2026-03-01", "abc"]],
     {"客户", "订单编号", "到期日", "金额（元）"}),
    ("payments", [["收款单号", "客户", "收款日期", "金额（元）", "核销发票号码"],
                  ["SK-1", "无此客户", "2026-13-01", "600", "INV-无"]], {"客户", "收款日期", "核销发票号码"}),
    ("assignments", [["客户", "客户经理", "开始日期"], ["无此客户", "nobody", "2026-02-30"]],
     {"客户", "客户经理", "开始日期"}),
    ("key_accounts", [["客户", "客户经理", "认定日期"], ["无此客户", "nobody", "2026-02-30"]],
     {"客户", "客户经理", "认定日期"}),
    ("returns", [["退货单号", "订单编号", "退货日期", "退货金额（元）"], ["TH-1", "SO-无", "2026-02-30", "-5"]],
     {"订单编号", "退货日期", "退货金额（元）"}),
    ("quality_disputes", [["争议编号", "订单编号", "提出日期", "摘要"], ["ZL-1", "SO-无", "2026-02-30", "色差"]],
     {"订单编号", "提出日期"}),
    ("tickets", [["工单号", "客户", "报修时间", "问题描述", "需要上门"], ["SH-1", "无此客户", "2026-11-02 09:30", "开裂", "也许"]],
     {"客户", "需要上门"}),
])
def test_every_kind_reports_lookup_and_parse_errors_of_a_row_together(users, customer, kind, rows, expected):
    _run, result = run(users.head, kind, csv_upload("f.csv", rows))
    assert not result.ok
    assert {e.column for e in result.errors} == expected, [str(e) for e in result.errors]
    assert all(e.line == 2 for e in result.errors)


def test_duplicates_are_found_among_rows_that_have_other_errors(users, customer):
    header = ["发票号码", "客户", "开票日期", "到期日", "金额（元）"]
    rows = [header, ["INV-1", customer.credit_code, "2026-04-01", "2026-05-01", "abc"],
            ["INV-1", "无此客户", "2026-04-01", "2026-05-01", "100"]]
    _run, result = run(users.fin, "invoices", csv_upload("i.csv", rows))
    assert _found(result) == {(2, "金额（元）"), (3, "客户"), (3, "发票号码")}
