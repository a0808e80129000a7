"""Import from ERP files: templates, encodings, date forms, all-or-nothing, upsert, mappings (A2.1 data, A9.2)."""

from datetime import date
from decimal import Decimal

import pytest

from kam.audit.models import AuditEvent
from kam.core.errors import AccessDenied
from kam.customers.models import Contact, Customer
from kam.customers.validators import make_credit_code
from kam.exchange import services
from kam.exchange.registry import get_kind
from kam.exchange.templates_xlsx import template_bytes
from kam.orders.models import Order, OrderLine
from tests.exchange.helpers import csv_upload, fill_template, run, xlsx_upload

pytestmark = pytest.mark.django_db

CODE_A = make_credit_code("91440604MA4UJ5XK1")
CODE_B = make_credit_code("91440101MA5AAAAA1")

CUSTOMER_HEADER = ["客户名称", "统一社会信用代码", "客户类型", "城市", "公司成立日"]


def test_template_round_trip(users):
    template = template_bytes(get_kind("customers"))
    upload = fill_template(template, [["佛山华美酒店管理有限公司", CODE_A, "大型酒店运营商", "广东", "佛山"]])
    # the template's columns: name, credit code, type, parent, province, city ...
    upload = fill_template(template, [["佛山华美酒店管理有限公司", CODE_A, "大型酒店运营商", None, "广东", "佛山"]])
    _run, result = run(users.head, "customers", upload)
    assert result.ok, [str(e) for e in result.errors]
    c = Customer.objects.get(credit_code=CODE_A)
    assert c.customer_type == "hotel" and c.city == "佛山" and c.province == "广东"


def test_template_has_notes_sheet_and_example():
    from io import BytesIO

    from openpyxl import load_workbook

    wb = load_workbook(BytesIO(template_bytes(get_kind("orders"))))
    assert wb.sheetnames == ["数据", "说明"]
    headers = [c.value for c in wb["数据"][1]]
    assert "订单编号" in headers and "单价（元）" in headers
    assert wb["数据"].cell(row=2, column=1).value == "SO-2026-000123"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_encodings(users, encoding):
    upload = csv_upload("客户.csv", [CUSTOMER_HEADER, ["佛山华美酒店", CODE_A, "大型酒店运营商", "佛山", ""]],
                        encoding)
    _run, result = run(users.head, "customers", upload)
    assert result.ok and Customer.objects.get(credit_code=CODE_A).name == "佛山华美酒店"


@pytest.mark.parametrize("cell,expected", [
    ("2026-03-01", date(2026, 3, 1)), ("2026/3/1", date(2026, 3, 1)), ("2026年3月1日", date(2026, 3, 1)),
    ("46082", date(2026, 3, 1)), (46082, date(2026, 3, 1)), ("2026.3.1", date(2026, 3, 1)),
    ("20260301", date(2026, 3, 1)),
])
def test_date_forms(users, cell, expected):
    upload = xlsx_upload("c.xlsx", [CUSTOMER_HEADER, ["甲", CODE_A, "其他", "佛山", cell]])
    _run, result = run(users.head, "customers", upload)
    assert result.ok, [str(e) for e in result.errors]
    assert Customer.objects.get(credit_code=CODE_A).founded_on == expected


def _orders_header():
    return ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]


@pytest.fixture
def two_customers(customer_factory):
    a = customer_factory("佛山华美酒店")
    b = customer_factory("广州远景地产")
    return a, b


def test_orders_with_lines_amounts_with_separators_and_yuan_sign(users, two_customers):
    a, b = two_customers
    rows = [_orders_header(),
            ["SO-1", a.credit_code, "2026/3/1", "已交付", "酒店床组", "HB-1800", "10", "¥3,280.00", ""],
            ["SO-1", a.credit_code, "2026/3/1", "已交付", "酒店衣柜", "HW-1200", "5", "1,000", "￥5,000.00"],
            ["SO-2", b.name, "2026年4月2日", "执行中", "办公桌", "OD-1600", 2, 1500, 3000]]
    _run, result = run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    assert result.ok, [str(e) for e in result.errors]
    assert result.counts["created"] == 2
    so1 = Order.objects.get(number="SO-1")
    assert so1.amount == Decimal("37800.00") and so1.lines.count() == 2 and so1.customer == a
    assert Order.objects.get(number="SO-2").customer == b


def test_bad_row_anywhere_rolls_back_the_whole_file(users, two_customers):
    a, _b = two_customers
    rows = [_orders_header()] + [[f"SO-{i}", a.credit_code, "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, ""]
                                 for i in range(1, 40)]
    rows[17][2] = "2026-02-30"
    _run, result = run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    assert not result.ok and result.error_count == 1
    assert str(result.errors[0]) == "第 18 行「下单日期」: 2026-02-30 不是有效日期"
    assert Order.objects.count() == 0 and OrderLine.objects.count() == 0


def test_dry_run_reports_counts_and_writes_nothing(users, two_customers):
    a, _b = two_customers
    rows = [_orders_header(), ["SO-1", a.credit_code, "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, ""]]
    _run, result = run(users.head, "orders", xlsx_upload("o.xlsx", rows), dry_run=True)
    assert result.ok and result.counts["created"] == 1
    assert Order.objects.count() == 0


def test_second_import_is_a_no_op_and_a_change_is_audited(users, two_customers):
    a, _b = two_customers
    rows = [_orders_header(), ["SO-1", a.credit_code, "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, ""]]
    run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    _r, again = run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    assert again.counts == {"unchanged": 1, "rows": 1}
    assert AuditEvent.objects.filter(action="exchange.import.orders.updated").count() == 0
    rows[1][6] = 3  # quantity changed
    _r, changed = run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    assert changed.counts["updated"] == 1
    assert Order.objects.get(number="SO-1").amount == Decimal("300.00")
    event = AuditEvent.objects.get(action="exchange.import.orders.updated")
    assert event.changes["amount"] == {"old": "100.00", "new": "300.00"}


def test_customer_update_audited_with_old_and_new(users):
    run(users.head, "customers", xlsx_upload("c.xlsx", [CUSTOMER_HEADER, ["甲", CODE_A, "其他", "佛山", ""]]))
    _r, result = run(users.head, "customers", xlsx_upload("c.xlsx", [CUSTOMER_HEADER, ["甲", CODE_A, "其他", "广州", ""]]))
    assert result.counts["updated"] == 1
    event = AuditEvent.objects.get(action="exchange.import.customers.updated")
    assert event.changes["city"] == {"old": "佛山", "new": "广州"}


def test_unknown_customer_reference_names_row_and_column(users):
    rows = [_orders_header(), ["SO-1", "不存在的客户", "2026-03-01", "已交付", "沙发", "SF-320", 1, 100, ""]]
    _run, result = run(users.head, "orders", xlsx_upload("o.xlsx", rows))
    assert not result.ok and "第 2 行「客户」" in str(result.errors[0])


def test_foreign_headers_import_through_a_saved_mapping_and_value_map(users, two_customers):
    from kam.exchange.pipeline import suggest_mapping

    a, _b = two_customers
    erp = ["销售单号", "购货单位", "制单日期", "单据状态", "存货名称", "规格型号", "发货数量", "成交价", "价税合计"]
    rows = [erp, ["XSDD-001", a.name, "2026-03-01", "Z", "沙发", "SF-320", 1, 100, 100]]
    r, result = run(users.head, "orders", xlsx_upload("k3.xlsx", rows))
    assert r.status == "needs_mapping" and not result.ok
    assert "下单日期" in str(result.errors[0])
    suggested = suggest_mapping(get_kind("orders"), erp)
    assert suggested["销售单号"] == "number" and suggested["规格型号"] == "product_model"
    assert suggested["购货单位"] == "customer" and suggested["价税合计"] == "amount"
    # the user completes what the suggestions could not know, once
    column_map = dict(suggested) | {"制单日期": "order_date", "单据状态": "status", "发货数量": "quantity",
                                    "成交价": "unit_price"}
    mapping = services.mapping_save(actor=users.head, kind_name="orders", name="金蝶K3 销售出库",
                                    column_map=column_map, value_map={"status": {"Z": "delivered"}})
    _r, result = run(users.head, "orders", xlsx_upload("k3.xlsx", rows), mapping=mapping)
    assert result.ok, [str(e) for e in result.errors]
    assert Order.objects.get(number="XSDD-001").status == "delivered"
    # the next file from the same source reuses the mapping
    rows2 = [erp, ["XSDD-002", a.name, "2026-03-05", "Z", "沙发", "SF-320", 2, 100, 200]]
    _r, result2 = run(users.head, "orders", xlsx_upload("k3-2.xlsx", rows2), mapping=mapping)
    assert result2.ok and Order.objects.get(number="XSDD-002").amount == Decimal("200.00")


def test_usual_erp_headers_are_recognised_without_a_mapping(users, two_customers):
    a, _b = two_customers
    u8 = ["单据编号", "往来单位名称", "单据日期", "存货名称", "规格型号", "数量", "含税单价", "价税合计"]
    _r, result = run(users.head, "orders", xlsx_upload("u8.xlsx", [u8, ["U8-1", a.name, "2026-03-01", "沙发",
                                                                        "SF-320", 1, 100, 100]]))
    assert result.ok and Order.objects.filter(number="U8-1").exists()


def test_mapping_must_cover_required_fields(users):
    from kam.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as exc:
        services.mapping_save(actor=users.head, kind_name="orders", name="残缺", column_map={"单号": "number"})
    assert "下单日期" in str(exc.value.message)


def test_who_may_import(users):
    upload = xlsx_upload("c.xlsx", [CUSTOMER_HEADER, ["甲", CODE_A, "其他", "佛山", ""]])
    for who in (users.fin, users.admin, users.am1, users.mkt):
        with pytest.raises(AccessDenied):
            services.import_upload(actor=who, kind_name="customers", uploaded=upload)
    assert get_kind("invoices").allowed(users.fin) and get_kind("payments").allowed(users.fin)
    assert not get_kind("orders").allowed(users.fin)
    assert all(k.allowed(users.head) for k in __import__("kam.exchange.registry", fromlist=["x"]).all_kinds())


def test_contacts_invoices_payments_assignments(users, two_customers):
    a, _b = two_customers
    _r, res = run(users.head, "contacts", xlsx_upload("c.xlsx", [
        ["客户", "姓名", "职务", "电话", "决策层", "生日历法", "生日月", "生日日"],
        [a.credit_code, "林董", "董事长", "13800138000", "是", "农历", 8, 15]]))
    assert res.ok, [str(e) for e in res.errors]
    contact = Contact.objects.get(name="林董")
    assert contact.is_decision_maker and contact.phone == "13800138000" and contact.birthday_kind == "lunar"
    _r, res = run(users.fin, "invoices", xlsx_upload("i.xlsx", [
        ["发票号码", "客户", "开票日期", "到期日", "金额（元）"],
        ["INV-1", a.credit_code, "2026-04-01", "2026-05-31", "1,000.00"],
        ["INV-2", a.credit_code, "2026-04-01", "2026-03-31", "1,000.00"]]))
    assert not res.ok and "到期日" in str(res.errors[0])
    _r, res = run(users.fin, "invoices", xlsx_upload("i.xlsx", [
        ["发票号码", "客户", "开票日期", "到期日", "金额（元）"],
        ["INV-1", a.credit_code, "2026-04-01", "2026-05-31", "1,000.00"]]))
    assert res.ok
    _r, res = run(users.fin, "payments", xlsx_upload("p.xlsx", [
        ["收款单号", "客户", "收款日期", "金额（元）", "核销发票号码"],
        ["SK-1", a.credit_code, "2026-05-20", "600", "INV-1"]]))
    assert res.ok, [str(e) for e in res.errors]
    from kam.receivables.models import PaymentAllocation

    assert PaymentAllocation.objects.get().amount == Decimal("600.00")
    _r, res = run(users.head, "assignments", xlsx_upload("a.xlsx", [
        ["客户", "客户经理", "开始日期"], [a.credit_code, "am1", "2026-01-01"]]))
    assert res.ok
    a.refresh_from_db()
    assert a.account_manager == users.am1


def test_command_line_import(users, tmp_path, two_customers, capsys):
    from django.core.management import CommandError, call_command

    a, _b = two_customers
    path = tmp_path / "orders.csv"
    path.write_bytes("\n".join(["订单编号,客户,下单日期,产品系列,型号,数量,单价",
                                f"SO-9,{a.credit_code},2026/3/1,沙发,SF-320,1,\"1,200\""]).encode("gbk"))
    call_command("import", "orders", str(path), "--dry-run")
    assert Order.objects.count() == 0
    call_command("import", "orders", str(path))
    assert Order.objects.get(number="SO-9").amount == Decimal("1200.00")
    bad = tmp_path / "bad.csv"
    bad.write_text("订单编号,客户,下单日期,产品系列,型号,数量,单价\nSO-10,x,2026/3/1,沙发,SF-320,1,abc\n")
    with pytest.raises(CommandError):
        call_command("import", "orders", str(bad))
