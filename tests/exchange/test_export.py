"""The one export mechanism (kam.exchange.export) and the customer list export.

A7.1: only the columns the user may see leave the system; core columns (floor prices) only for the head
of sales and management. A7.2: every export is audited (who, list, filters, rows, core columns), never
the values. A18.2: account data leaves only through this audited, watermarked export.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import zipfile
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.audit.models import AuditEvent
from kam.customers.models import Customer
from kam.customers.services import contract_create, floor_price_set
from kam.exchange.export import (
    XLSX_CONTENT_TYPE,
    ExportColumn,
    export_response_name,
    export_xlsx,
    neutralize_formula,
    to_cell_value,
)
from kam.orders.models import Order

pytestmark = [pytest.mark.django_db]

URL = "/customers/export.xlsx"
MARKER_PRICE = "987654.32"
MARKER_SERIES = "机密标记系列XJ"


def _content(response) -> bytes:
    # the test client closes the response (and its spooled file) once the stream is consumed, as a WSGI
    # server does; closing it a second time would fire request_finished and close the test's connection
    return b"".join(response.streaming_content)


def _xml_parts(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        # lxml writes non-ASCII text as character references; unescape so tests read the text itself
        return {name: html.unescape(zf.read(name).decode("utf-8")) for name in zf.namelist()}


def _sheet(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def _rows(data: bytes) -> list[tuple]:
    return list(_sheet(data).iter_rows(values_only=True))


def _exports():
    return AuditEvent.objects.filter(action="exchange.export")


@pytest.fixture
def world(users, customer_factory):
    own = customer_factory("佛山华美酒店", manager=users.am1, province="广东", decision_process="总经理拍板")
    own2 = customer_factory("佛山南海宾馆", manager=users.am1, customer_type="dealer")
    other = customer_factory("广州远景地产", manager=users.am2, city="广州", customer_type="real_estate")
    floor_price_set(actor=None, customer=own, product_series="系列A", price="1234")
    floor_price_set(actor=None, customer=own, product_series=MARKER_SERIES, price=MARKER_PRICE)
    floor_price_set(actor=None, customer=other, product_series="系列B", price="500.5")
    return own, own2, other


def _get(client, user, **params):
    client.force_login(user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def test_account_manager_exports_only_own_customers_without_core_column(client, users, world):
    """A7.1 + A18.2: an account manager's export holds their own customers and no core column; no floor
    price (value or series) appears anywhere in the file."""
    own, own2, other = world
    data = _content(_get(client, users.am1))
    rows = _rows(data)
    headers = rows[1]
    assert "底价" not in headers
    assert headers[0] == "客户名称"
    names = [r[0] for r in rows[2:]]
    assert names == sorted([own.name, own2.name])
    assert other.name not in names
    everything = "".join(_xml_parts(data).values())
    for secret in (MARKER_PRICE, "987654", MARKER_SERIES, "1234.00", "系列A"):
        assert secret not in everything
    event = _exports().get()
    assert event.changes["core_columns"] == []
    assert event.changes["withheld_columns"] == ["floor_prices"]
    assert "core_records" not in event.changes


@pytest.mark.parametrize("who", ["mkt", "svc", "fin"])
def test_other_departments_export_basic_columns_of_all_customers(client, users, world, who):
    """A7.1: marketing, after-sales and finance read every customer's basic data, never core data."""
    data = _content(_get(client, getattr(users, who)))
    rows = _rows(data)
    assert "底价" not in rows[1]
    assert len(rows) - 2 == 3
    assert MARKER_PRICE not in "".join(_xml_parts(data).values())


@pytest.mark.parametrize("who", ["head", "mgmt"])
def test_core_roles_export_floor_prices_when_they_choose_to(client, users, world, who):
    """A7.1: head of sales and management get the core floor-price column with values when they choose
    "包含核心数据"; A7.2: the audit names the core column and the accounts, never a price."""
    own, own2, other = world
    data = _content(_get(client, getattr(users, who), core="1"))
    rows = _rows(data)
    headers = list(rows[1])
    assert headers[-1] == "底价"
    by_name = {r[0]: dict(zip(headers, r, strict=True)) for r in rows[2:]}
    assert set(by_name) == {own.name, own2.name, other.name}
    assert by_name[own.name]["底价"] == f"{MARKER_SERIES}: {MARKER_PRICE}; 系列A: 1234.00" \
        or by_name[own.name]["底价"] == f"系列A: 1234.00; {MARKER_SERIES}: {MARKER_PRICE}"
    assert by_name[other.name]["底价"] == "系列B: 500.50"
    assert by_name[own2.name]["底价"] is None
    event = _exports().get()
    assert event.changes["core_columns"] == ["floor_prices"]
    assert sorted(event.changes["core_records"]) == sorted(str(c.pk) for c in (own, own2, other))
    dumped = str(event.changes) + event.target_repr
    for secret in (MARKER_PRICE, "987654", "1234", "500.5", MARKER_SERIES, "系列A"):
        assert secret not in dumped


def test_export_applies_the_list_filters_and_audits_them(client, users, world):
    """A7.2: the audit records the list, the non-empty filters and the row count."""
    own, own2, other = world
    rows = _rows(_content(_get(client, users.head, q="佛山", type="hotel", city="")))
    assert [r[0] for r in rows[2:]] == [own.name]
    assert rows[2][2] == "大型酒店运营商"  # display label, not the code
    event = _exports().get()
    assert event.changes["list"] == "customers.list"
    assert event.changes["filters"] == {"q": "佛山", "type": "hotel"}
    assert event.changes["rows"] == 1
    assert event.changes["columns"][0] == "name"
    assert "floor_prices" not in event.changes["columns"]  # core columns only on the explicit choice


def test_exactly_one_audit_event_per_export_without_values(client, users, world):
    """A7.2: one append-only event per export: who, what list, channel, never a cell value."""
    own, own2, other = world
    _content(_get(client, users.am1))
    _content(_get(client, users.am1, city="佛山"))
    events = list(_exports().order_by("id"))
    assert len(events) == 2
    for event in events:
        assert event.actor == users.am1
        assert event.rule == "A7.2"
        assert event.target_repr == "客户列表"
        assert event.channel == "page"
        assert event.request_id
        assert set(event.changes) >= {"list", "filters", "rows", "columns", "core_columns"}
        dumped = str(event.changes)
        for value in (own.name, own2.name, own.credit_code, "总经理拍板"):
            assert value not in dumped
    assert events[1].changes["filters"] == {"city": "佛山"}


def test_formula_injection_is_neutralised(client, users, customer_factory):
    """A18.2: an exported file never evaluates data as a formula: dangerous text starts with "'" and
    is a plain string cell; there is no <f> element in the sheet."""
    payloads = ['=HYPERLINK("http://x","a")', "+1", "@SUM(A1)", "-2+3", "\t=1+1", " =cmd|' /C calc'!A0"]
    for text in payloads:
        customer_factory(text, manager=users.am1, address="=1+1", decision_process="@SUM(A1)")
    data = _content(_get(client, users.am1))
    sheet_xml = _xml_parts(data)["xl/worksheets/sheet1.xml"]
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    ws = _sheet(data)
    names = set()
    for row in ws.iter_rows(min_row=3):
        name_cell = row[0]
        assert name_cell.data_type == "s"
        assert name_cell.value.startswith("'")
        names.add(name_cell.value[1:])
        assert row[5].value == "'=1+1"
        assert row[11].value == "'@SUM(A1)"
    assert names == set(payloads)


def test_neutralize_formula_and_value_typing():
    """A18.2: text that could start a formula is prefixed; numbers, including negatives, stay numbers."""
    assert neutralize_formula("=1+1") == "'=1+1"
    assert neutralize_formula("＝SUM(A1)") == "'＝SUM(A1)"
    assert neutralize_formula("  @x") == "'  @x"
    assert neutralize_formula("\r=1") == "'\r=1"
    assert neutralize_formula("佛山华美酒店") == "佛山华美酒店"
    assert neutralize_formula("a\x00b\x07c") == "abc"
    assert neutralize_formula("") == ""
    assert to_cell_value(Decimal("-5.20")) == Decimal("-5.20")
    assert to_cell_value(-3) == -3
    assert to_cell_value("-3") == "'-3"
    assert to_cell_value(True) == "是" and to_cell_value(False) == "否"
    assert to_cell_value(None) is None
    assert to_cell_value(10**17) == str(10**17)
    aware = dt.datetime(2026, 11, 26, 11, 5, tzinfo=dt.UTC)
    assert to_cell_value(aware) == dt.datetime(2026, 11, 26, 19, 5)


def test_watermark_in_banner_header_footer_and_document_properties(client, users, world, make_user):
    """A7.2 / A18.2: the file carries who exported it and when: row 1, the print header and footer,
    and the document properties."""
    head = users.head
    head.display_name = "王总"
    head.save(update_fields=["display_name"])
    response = _get(client, head)
    data = _content(response)
    ws = _sheet(data)
    banner = ws["A1"].value
    assert re.fullmatch(r"导出：王总（head）· \d{4}-\d{2}-\d{2} \d{2}:\d{2} 北京时间 · 内部资料，请勿外传", banner)
    assert ws["A1"].font.b
    assert ws["A2"].value == "客户名称" and ws["A2"].font.b
    assert ws.freeze_panes == "A3"
    assert "王总（head）" in ws.oddHeader.center.text
    assert "王总（head）" in ws.oddFooter.center.text
    parts = _xml_parts(data)
    sheet_xml = parts["xl/worksheets/sheet1.xml"]
    assert "<oddHeader>" in sheet_xml and "<oddFooter>" in sheet_xml
    assert re.search(r"<oddHeader>[^<]*王总（head）", sheet_xml)
    core_xml = parts["docProps/core.xml"]
    assert re.search(r"<dc:creator[^>]*>head</dc:creator>", core_xml)
    assert re.search(r"<cp:lastModifiedBy[^>]*>head</cp:lastModifiedBy>", core_xml)
    assert re.search(r"<dc:title[^>]*>客户列表</dc:title>", core_xml)
    assert re.search(r"<dc:description[^>]*>" + re.escape(banner) + "</dc:description>", core_xml)
    assert f"<cp:keywords>{banner}</cp:keywords>" in core_xml
    assert "head" in parts["docProps/custom.xml"]
    props = openpyxl.load_workbook(io.BytesIO(data)).properties
    assert props.creator == "head" and props.description == banner


def test_download_headers(client, users, world):
    """A18.2: an .xlsx download with a UTF-8 (RFC 5987) file name, not cached."""
    response = _get(client, users.head)
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    match = re.search(r"filename\*=UTF-8''(\S+)$", disposition)
    assert match and match.group(1).startswith(quote("客户列表_"))
    assert re.search(r'filename="export_\d{8}_\d{4}\.xlsx"', disposition)  # ASCII fallback
    assert "no-store" in response["Cache-Control"]
    _content(response)


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert not _exports().exists()


def test_administrator_exports_nothing(client, users, world):
    """A7.1: the administrator reads no customer data; the (empty) export is still audited."""
    rows = _rows(_content(_get(client, users.admin)))
    assert len(rows) == 2
    assert _exports().get().changes["rows"] == 0


def test_cooperation_start_column_matches_the_a2_1_rule(client, users, customer_factory):
    """A2.1 cooperation start: earliest of first (non-cancelled) order and first contract, without a query
    per customer."""
    from kam.customers import selectors

    c = customer_factory("佛山合作客户", manager=users.am1)
    contract_create(actor=None, customer=c, number="HT-1", start_on=dt.date(2023, 5, 1))
    Order.objects.create(customer=c, number="O-1", order_date=dt.date(2022, 3, 4))
    Order.objects.create(customer=c, number="O-0", order_date=dt.date(2020, 1, 1), status="cancelled")
    rows = _rows(_content(_get(client, users.am1)))
    col = list(rows[1]).index("合作起始")
    assert rows[2][col].date() == selectors.cooperation_start(customer=c) == dt.date(2022, 3, 4)


def _queries_for(client, user, n, customer_factory, manager):
    existing = Customer.objects.count()
    for i in range(n - existing):
        c = customer_factory(f"批量客户{existing + i:03d}", manager=manager)
        floor_price_set(actor=None, customer=c, product_series="系列A", price="100")
        contract_create(actor=None, customer=c, number=f"HT-{existing + i}", start_on=dt.date(2024, 1, 1))
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL, {"core": "1"})  # floor prices for the head of sales; ignored for am1
        data = _content(response)
    assert len(_rows(data)) == n + 2
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["head", "am1"])
def test_query_count_does_not_grow_with_customers(client, users, customer_factory, who):
    """A7.1: floor prices come in one query for all customers, and no column costs a query per row."""
    user = getattr(users, who)
    few = _queries_for(client, user, 3, customer_factory, users.am1)
    many = _queries_for(client, user, 30, customer_factory, users.am1)
    assert few == many


def test_generic_export_streams_many_rows(users):
    """A7.2 / A18.2: a large list streams through the write-only writer; the audit counts every row."""
    total = 20_000
    columns = [
        ExportColumn("id", "编号", width=8),
        ExportColumn("name", "名称"),
        ExportColumn("amount", "金额", number_format="#,##0.00"),
        ExportColumn("on", "日期"),
        ExportColumn("secret", "机密", core=True),
    ]

    def rows():
        for i in range(total):
            yield {"id": i, "name": f"客户{i}", "amount": Decimal(i) / 4, "on": dt.date(2026, 1, 1), "secret": "S"}

    response = export_xlsx(user=users.mkt, list_name="test.rows", list_label="测试列表", columns=columns,
                           rows=rows(), filters={"q": ""}, filename="测试列表.xlsx")
    data = _content(response)
    ws = openpyxl.load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    rows_read = list(ws.iter_rows(values_only=True))
    assert len(rows_read) == total + 2
    assert rows_read[-1] == (total - 1, f"客户{total - 1}", (total - 1) / 4, dt.datetime(2026, 1, 1))
    event = _exports().get()
    assert event.changes["rows"] == total
    assert event.changes["filters"] == {}
    assert event.changes["columns"] == ["id", "name", "amount", "on"]
    assert event.changes["withheld_columns"] == ["secret"]


def test_generic_export_keeps_types_and_formats(users):
    """Numbers stay numeric with their format, dates are dates, aware datetimes Beijing time, None empty."""
    columns = [
        ExportColumn("amount", "金额", number_format="#,##0.00"),
        ExportColumn("on", "日期"),
        ExportColumn("at", "时间"),
        ExportColumn("none", "空"),
        ExportColumn("manager.name", "经理"),
        ExportColumn("code", "代码"),
        ExportColumn("secret", "机密", core=True),
    ]
    at = dt.datetime(2026, 11, 26, 11, 5, tzinfo=dt.UTC)
    row = {"amount": Decimal("-1234.5"), "on": dt.date(2026, 11, 26), "at": at, "none": None,
           "manager": {"name": "小李"}, "code": "#N/A", "secret": "S-VALUE"}
    response = export_xlsx(user=users.head, list_name="test.types", list_label="类型", columns=columns,
                           rows=[row], filters={}, filename="types.xlsx", include_core=True)
    ws = _sheet(_content(response))
    amount, on, when, empty, manager, code, secret = (ws.cell(row=3, column=i) for i in range(1, 8))
    assert amount.value == -1234.5 and amount.data_type == "n" and amount.number_format == "#,##0.00"
    assert on.value == dt.datetime(2026, 11, 26) and on.is_date and on.number_format == "yyyy-mm-dd"
    assert when.value == at.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    assert when.number_format == "yyyy-mm-dd hh:mm"
    assert empty.value is None
    assert manager.value == "小李"
    assert code.value == "#N/A" and code.data_type == "s"  # text, not an Excel error value
    assert secret.value == "S-VALUE"  # head of sales sees the core column
    event = _exports().get()
    assert event.changes["core_columns"] == ["secret"]
    assert "S-VALUE" not in str(event.changes)


def test_export_response_name():
    at = dt.datetime(2026, 11, 26, 11, 5, tzinfo=dt.UTC)
    assert export_response_name("客户列表", None, at=at) == "客户列表_20261126_1905.xlsx"
    assert export_response_name("a/b:c", None, at=at) == "a_b_c_20261126_1905.xlsx"


def test_failed_export_leaves_no_file_and_no_audit(users):
    """A7.2: an export that fails half-way hands out nothing, so nothing is audited; its temporary
    sheet file is removed at once."""
    from openpyxl.worksheet import _writer

    before = list(_writer.ALL_TEMP_FILES)

    def rows():
        yield {"name": "甲"}
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        export_xlsx(user=users.head, list_name="test.fail", list_label="失败", columns=[ExportColumn("name", "名称")],
                    rows=rows(), filters={}, filename="fail.xlsx")
    assert _writer.ALL_TEMP_FILES == before
    assert not _exports().exists()


def test_export_button_snippet_carries_the_list_filters():
    """A18.2: the list's export button downloads through the audited export with the current filters."""
    from django.template.loader import render_to_string

    html = render_to_string("core/_export_button.html", {"url": URL, "query": "q=佛山&type=hotel"})
    assert f'href="{URL}?q=佛山&amp;type=hotel"' in html
    assert "导出 Excel" in html
    assert 'href="/x"' in render_to_string("core/_export_button.html", {"url": "/x", "query": ""})


@pytest.mark.parametrize("url", ["/designation/key-accounts/export.xlsx", "/service/tickets/export.xlsx",
                                 "/requests/export.xlsx"])
def test_other_lists_export_through_the_audited_export(client, users, world, url):
    """A7.2 / A18.2: every list leaves only through the one audited, watermarked export."""
    client.force_login(users.am1)
    data = _content(_get_url(client, url))
    rows = _rows(data)
    assert rows[0][0].startswith("导出：")
    assert _exports().count() == 1


def _get_url(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.mark.parametrize("who", ["head", "mgmt"])
def test_core_columns_leave_only_on_the_explicit_choice(client, users, world, who):
    """A7.1: without "包含核心数据" (the default) even the head of sales and management export no core column,
    and nothing is written to the core-data access log; with it, the column leaves and the access log
    records the export with the core fields (A7.2)."""
    from kam.audit.models import CoreAccess

    own, own2, other = world
    user = getattr(users, who)
    for params in ({}, {"core": "0"}, {"core": "yes"}):
        data = _content(_get(client, user, **params))
        assert "底价" not in _rows(data)[1]
        assert MARKER_PRICE not in "".join(_xml_parts(data).values())
    assert not CoreAccess.objects.exists()
    event = _exports().order_by("-id").first()
    assert event.changes["core_columns"] == [] and event.changes["withheld_columns"] == ["floor_prices"]

    data = _content(_get(client, user, core="1"))
    assert _rows(data)[1][-1] == "底价"
    access = list(CoreAccess.objects.filter(channel="export", user=user))
    assert sorted(a.customer_id for a in access) == sorted(c.pk for c in (own, own2, other))
    assert all(a.fields == ["floor_prices"] and a.granted for a in access)


@pytest.mark.parametrize("who", ["am1", "mkt", "svc", "fin"])
def test_the_core_choice_is_ignored_for_roles_that_never_see_core_data(client, users, world, who):
    """A7.1: asking for core data in the URL changes nothing for a role that may not see it."""
    from kam.audit.models import CoreAccess

    data = _content(_get(client, getattr(users, who), core="1"))
    assert "底价" not in _rows(data)[1]
    assert MARKER_PRICE not in "".join(_xml_parts(data).values())
    assert not CoreAccess.objects.exists()


def test_the_customer_list_offers_the_core_choice_only_to_core_roles(client, users, world):
    """A7.1: the export of the customer list asks "包含核心数据" (unchecked) of the head of sales and
    management only, keeping the list's filters; other roles get the plain export button."""
    for who in ("head", "mgmt"):
        client.force_login(getattr(users, who))
        body = client.get("/customers/", {"city": "佛山", "tier": "key"}).content.decode()
        assert 'id="export-core"' in body and "包含核心数据" in body
        assert 'name="core" value="1" id="export-core">' in body  # not checked by default
        assert '<input type="hidden" name="city" value="佛山">' in body
        assert '<input type="hidden" name="tier" value="key">' in body
    for who in ("am1", "mkt", "fin", "svc"):
        client.force_login(getattr(users, who))
        body = client.get("/customers/").content.decode()
        assert "包含核心数据" not in body and "导出 Excel" in body


def test_export_button_snippet_offers_the_core_choice_as_a_get_form():
    from django.template.loader import render_to_string

    html = render_to_string("core/_export_button.html",
                            {"url": URL, "query": "q=佛山&type=hotel&core=1&page=3", "core_choice": True})
    assert f'action="{URL}"' in html and 'method="get"' in html
    assert '<input type="hidden" name="q" value="佛山">' in html
    assert '<input type="hidden" name="type" value="hotel">' in html
    assert 'name="core" value="1" id="export-core">' in html and 'type="hidden" name="core"' not in html
    assert 'name="page"' not in html


def test_the_customer_export_keeps_the_tier_filter(client, users, world, key_account):
    """A18.2: the export holds the rows of the list as filtered on the page, the tier filter included."""
    ka = key_account("核心酒店")
    rows = _rows(_content(_get(client, users.head, tier="core")))
    assert [r[0] for r in rows[2:]] == [ka.name]
    assert _exports().get().changes["filters"] == {"tier": "core"}
