"""The permission matrix (A7.1, A7.2, A18.2): every route — found by walking Django's URL resolver and the
django-ninja OpenAPI schema, so a new route is covered without editing this test — is requested by every role
against a dossier whose core fields hold unique markers. For roles without core access the marker bytes never
appear in a response (pages, fragments, API, exports, ICS, 404/403/500 pages) or in the request's log output;
for the head of sales and management they appear after a reveal; account managers get 404 for another
manager's customer on every route that takes a customer."""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
PRICE = "918273.64"
MARKERS = ["918273.64", "918,273.64", "13999887766", "wx_dm_MARKER77", "dm.marker77@example.com",
           "DECISION_MARKER_决策链", "TERMS_MARKER_价格条款", "POTENTIAL_MARKER_扩张计划"]
NO_CORE = ["am1", "am2", "mkt", "svc", "fin", "admin"]
CORE = ["head", "mgmt"]
SKIP = {"logout", "set_language"}  # would end or change the session under test


def walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.name


@pytest.fixture
def world(users, customer_factory):
    from kam.care.services import commitment_register, gift_register
    from kam.confidentiality.services import field_classify
    from kam.customers.services import contact_create, contract_create, floor_price_set
    from kam.demands.services import request_log
    from kam.engagement.services import calendar_feed_create, visit_book
    from kam.exchange.services import import_upload
    from kam.qualification.services import review_open
    from kam.service.services import ticket_open
    from kam.users.services import api_token_create
    from tests.exchange.helpers import csv_upload
    from tests.factories import DesignationFactory

    a = customer_factory("华美酒店", manager=users.am1, decision_process="DECISION_MARKER_决策链",
                         purchase_potential=True, purchase_potential_note="POTENTIAL_MARKER_扩张计划")
    b = customer_factory("远景地产", manager=users.am2, city="广州")
    for c in (a, b):
        DesignationFactory(customer=c, tier="core", started_at=dt.datetime(2025, 1, 1, tzinfo=SH))
    dm = contact_create(actor=None, customer=a, name="林董", title="董事长", phone="13999887766",
                        wechat="wx_dm_MARKER77", email="dm.marker77@example.com", is_decision_maker=True)
    floor_price_set(actor=None, customer=a, product_series="酒店床组", price=PRICE)
    contract = contract_create(actor=None, customer=a, number="HT-1", start_on=dt.date(2025, 1, 1),
                               terms_summary="TERMS_MARKER_价格条款")
    field_classify(actor=users.mgmt, field="customers.Customer.decision_process", core=True)
    field_classify(actor=users.mgmt, field="customers.Contract.terms_summary", core=True)
    field_classify(actor=users.mgmt, field="customers.Customer.purchase_potential_note", core=True)
    visit = visit_book(actor=users.am1, customer=a, starts_at=dt.datetime(2026, 12, 3, 10, tzinfo=SH),
                       ends_at=dt.datetime(2026, 12, 3, 11, tzinfo=SH), purpose="送样",
                       now=dt.datetime(2026, 11, 26, 10, tzinfo=SH))
    ticket = ticket_open(actor=users.svc, customer=a, problem="床头板开裂")
    req = request_log(actor=users.am1, customer=a, kind="other", channel="phone", summary="要检测报告")
    review = review_open(actor=users.head, year=2026)
    run = import_upload(actor=users.head, kind_name="customers",
                        uploaded=csv_upload("c.csv", [["客户名称", "统一社会信用代码"], ["甲", a.credit_code]]))
    feed = calendar_feed_create(actor=users.am1)
    gift = gift_register(actor=users.am1, customer=a, recipient=dm, item="定制茶具", category="custom", quantity=1,
                         unit_value="300.00")  # A14.2: waits for the head of sales
    commitment = commitment_register(actor=users.am1, customer=a, kind="discount", description="年度返点 2%",
                                     department="finance")  # A18.1: waits for finance
    from kam.care.models import CompanyHoliday

    holiday, _new = CompanyHoliday.objects.get_or_create(  # A14.1: the company's list (the data migration's)
        name="元旦", defaults={"calendar": "solar", "month": 1, "day": 1})
    ids = {"customer": a.pk, "other_customer": b.pk, "contact": dm.pk, "visit": visit.pk, "ticket": ticket.pk,
           "holiday": holiday.pk,
           "request": req.pk, "review": review.pk, "run": run.pk, "feed": feed, "gift": gift.pk,
           "commitment": commitment.pk, "contract": contract.pk,
           "token": {u: api_token_create(actor=getattr(users, u), name="m")[0].pk for u in NO_CORE + CORE}}
    return ids


def concrete(route: str, ids: dict, user: str, customer: int) -> list[str]:
    """Fill a route's parameters with the world's objects (the customer under test for customer routes)."""
    by_prefix = [("customers/", customer), ("policy/", 1), ("exchange/imports/", ids["run"]),
                 ("designation/reviews/", ids["review"]), ("engagement/visits/", ids["visit"]),
                 ("service/tickets/", ids["ticket"]), ("requests/", ids["request"]), ("care/gifts/", ids["gift"]),
                 ("care/commitments/", ids["commitment"]), ("care/holidays/", ids["holiday"]),
                 ("care/contracts/", ids["contract"]),
                 ("account/tokens/", ids["token"].get(user, 1)), ("admin/", customer)]
    pk = next((v for p, v in by_prefix if route.startswith(p)), customer)
    values = {"pk": pk, "contact_id": ids["contact"], "section": "basic", "kind": "customers", "which": "accounts",
              "department": "after_sales", "token": ids["feed"], "action": "redraft", "object_id": customer,
              "app_label": "customers", "url": "x"}
    urls = []
    variants = [None]
    if "<slug:what>" in route:
        variants = [("what", w) for w in ("floor_prices", "contacts", "fields")]
    elif "<slug:section>" in route:
        variants = [("section", w) for w in ("basic", "decision", "preferences")]
    for variant in variants:
        url = route
        for kind, name in re.findall(r"<(?:(\w+):)?(\w+)>", route):
            value = variant[1] if variant and name == variant[0] else values.get(name, 1)
            url = re.sub(rf"<(?:\w+:)?{name}>", str(value), url, count=1)
        url = url.replace("^", "").replace("$", "")
        urls.append("/" + url)
    return urls


def page_routes():
    for route, name in walk(get_resolver().url_patterns):
        if route.startswith("api/") or name in SKIP or "(?P" in route:
            continue
        yield route, name


def api_operations(client):
    schema = client.get("/api/openapi.json").json()
    for path, item in schema["paths"].items():
        for method in item:
            if method in ("get", "post", "put", "patch", "delete"):
                yield path, method


def api_url(path: str, ids: dict, customer: int) -> str:
    values = {"customer_id": customer, "review_id": ids["review"], "ticket_id": ids["ticket"],
              "request_id": ids["request"], "proposal_id": 999999, "gift_id": ids["gift"]}
    return re.sub(r"{(\w+)}", lambda m: str(values.get(m.group(1), 1)), path)


def body_text(response) -> str:
    """Everything a response carries: HTML/JSON/ICS text, or the XML inside an .xlsx."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if content.startswith(b"PK\x03\x04"):
        import html

        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            return "".join(html.unescape(zf.read(n).decode("utf-8", "replace")) for n in zf.namelist())
    text = content.decode("utf-8", "replace")
    if "json" in response.get("Content-Type", ""):
        import json

        try:  # JSON escapes non-ASCII (\\uXXXX): compare the decoded text
            return json.dumps(json.loads(text), ensure_ascii=False)
        except ValueError:
            return text
    return text


def request(client, method: str, url: str, data=None):
    if method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        return getattr(client, method)(url, data or {}, content_type="application/json")
    return client.post(url, data or {})


def leaks(text: str) -> list[str]:
    return [m for m in MARKERS if m in text]


@pytest.mark.parametrize("who", NO_CORE)
def test_a71_no_core_marker_reaches_a_role_without_access(who, users, world, caplog):
    user = getattr(users, who)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    caplog.set_level(logging.DEBUG)
    ics = Client().get(f"/engagement/calendar/{world['feed']}.ics")  # before the walk renews the feed token
    assert ics.status_code == 200 and not leaks(ics.content.decode())
    checked = 0
    for route, name in page_routes():
        for url in concrete(route, world, who, world["customer"]):
            for method in ("get", "post"):
                response = request(client, method, url)
                assert not leaks(body_text(response)), (who, method, url, leaks(body_text(response)))
                checked += 1
    for path, method in api_operations(client):
        url = api_url(path, world, world["customer"])
        payload = {"what": "floor_prices"} if path.endswith("/reveal") else {}
        response = request(client, method, url, payload)
        assert not leaks(body_text(response)), (who, method, url)
        if path.endswith("/reveal"):
            assert not leaks(body_text(request(client, "post", url, {"what": "contacts"})))
        checked += 1
    assert not leaks(Client(raise_request_exception=False).get("/no-such-page/").content.decode())
    assert not leaks(caplog.text), leaks(caplog.text)
    assert checked > 150  # the walk found the routes


@pytest.mark.parametrize("who", CORE)
def test_a71_core_roles_see_markers_only_after_a_reveal(who, users, world, caplog):
    from kam.audit.models import CoreAccess

    user = getattr(users, who)
    client = Client(raise_request_exception=False)
    client.force_login(user)
    caplog.set_level(logging.DEBUG)
    customer = world["customer"]
    for route, name in page_routes():
        if "reveal" in route or route.endswith(".xlsx"):
            continue  # reveals and exports are the explicit, audited ways to core data
        for url in concrete(route, world, who, customer):
            response = client.get(url)
            assert not leaks(body_text(response)), (who, url, leaks(body_text(response)))
    before = CoreAccess.objects.count()
    prices = client.post(f"/customers/{customer}/reveal/floor_prices/").content.decode()
    channels = client.post(f"/customers/{customer}/reveal/contacts/").content.decode()
    fields = client.post(f"/customers/{customer}/reveal/fields/").content.decode()
    assert PRICE in prices or "918,273.64" in prices
    assert "13999887766" in channels and "wx_dm_MARKER77" in channels and "dm.marker77@example.com" in channels
    assert "DECISION_MARKER_决策链" in fields and "TERMS_MARKER_价格条款" in fields
    assert "POTENTIAL_MARKER_扩张计划" in fields
    api = client.post(f"/api/customers/{customer}/reveal", {"what": "contacts"}, content_type="application/json")
    assert "13999887766" in api.content.decode()
    assert CoreAccess.objects.count() == before + 4  # exactly one access record per reveal
    assert not leaks(str(list(CoreAccess.objects.values_list("fields", flat=True))))  # never the values
    assert not leaks(caplog.text)


def customer_routes():
    for route, name in page_routes():
        if route.startswith("customers/<int:pk>"):
            yield route
    yield from ()


def test_account_manager_gets_404_for_another_managers_customer_everywhere(users, world):
    client = Client(raise_request_exception=False)
    client.force_login(users.am1)
    other = world["other_customer"]
    for route in customer_routes():
        for url in concrete(route, world, "am1", other):
            status = client.get(url).status_code
            if status == 405:
                status = client.post(url, {}).status_code
            assert status == 404, (url, status)
    for path, method in api_operations(client):
        if "{customer_id}" in path:
            status = request(client, method, api_url(path, world, other), {"what": "contacts"}).status_code
            assert status == 404, (path, method, status)


def test_500_page_and_its_log_hold_no_core_data(users, world, caplog, monkeypatch, settings):
    """A 500 while a dossier with core values is being built: the error page and the logged traceback carry no
    marker (the values never reach a local the traceback prints; the page is the generic one)."""
    from kam.dossier import views

    settings.DEBUG = False
    real = views._context

    def boom(request, customer):
        real(request, customer)
        raise RuntimeError("simulated failure while rendering the dossier")

    monkeypatch.setattr(views, "_context", boom)
    caplog.set_level(logging.DEBUG)
    client = Client(raise_request_exception=False)
    client.force_login(users.head)
    response = client.get(f"/customers/{world['customer']}/")
    assert response.status_code == 500 and "系统出错了" in response.content.decode()
    assert not leaks(response.content.decode()) and not leaks(caplog.text)
    assert "simulated failure" in caplog.text  # the error itself is logged


def test_marking_a_field_core_removes_it_from_an_account_manager_at_once(users, world, client):
    from kam.confidentiality.services import field_classify

    client.force_login(users.am1)
    customer = world["customer"]
    field_classify(actor=users.mgmt, field="customers.Customer.decision_process", core=False)
    assert "DECISION_MARKER_决策链" in client.get(f"/customers/{customer}/").content.decode()
    assert "DECISION_MARKER_决策链" in body_text(client.get(f"/api/customers/{customer}"))
    field_classify(actor=users.mgmt, field="customers.Customer.decision_process", core=True)
    assert "DECISION_MARKER_决策链" not in client.get(f"/customers/{customer}/").content.decode()
    assert "DECISION_MARKER_决策链" not in body_text(client.get(f"/api/customers/{customer}"))
    export = client.get("/customers/export.xlsx")
    assert "DECISION_MARKER_决策链" not in body_text(export)
