"""The global search (issue 13): customers by name, short name, credit code, pinyin and pinyin initials; contacts
by name and by the last digits of a phone only where the user may see that phone (A7.1; core reads logged, A7.2);
tickets and requests by number; every result scoped as the pages are (A9.2: an account manager finds only their
own customers; the administrator nothing); bad input handled without a 500; a bounded number of queries."""

from __future__ import annotations

import logging

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.core import search
from kam.customers.validators import make_credit_code

pytestmark = pytest.mark.django_db

DM_PHONE = "13912345678"  # the decision maker's phone of am1's 美居: core data (A7.1)
BUYER_PHONE = "13655554321"  # a buyer's phone of am1's 美居: basic data
OTHER_PHONE = "13788885678"  # a contact of am2's customer, same last four digits as DM_PHONE
NEW_CODE = make_credit_code("91440600MA4UJ5XK1")


@pytest.fixture
def world(users, customer_factory):
    from kam.customers.services import contact_create

    meiju = customer_factory("佛山美居家具有限公司", manager=users.am1, short_name="美居")
    huajin = customer_factory("广州华锦酒店管理有限公司", manager=users.am1, city="广州")
    # another manager's customer whose initials also hold "mj": am1 must not find it (A9.2)
    mingjiang = customer_factory("明江美居置业有限公司", manager=users.am2, city="东莞")
    dm = contact_create(actor=None, customer=meiju, name="林国栋", title="董事长", phone=DM_PHONE,
                        is_decision_maker=True)
    buyer = contact_create(actor=None, customer=meiju, name="陈采购", title="采购经理", phone=BUYER_PHONE)
    other = contact_create(actor=None, customer=mingjiang, name="林东明", phone=OTHER_PHONE)
    return {"meiju": meiju, "huajin": huajin, "mingjiang": mingjiang, "dm": dm, "buyer": buyer, "other": other}


def titles(user, text: str, kind: str = "") -> list[str]:
    groups = search.run(user=user, query=search.parse(text), limit=20, kinds=(kind,) if kind else ())
    return [h.title for g in groups for h in g.hits]


def test_pinyin_initials_find_the_customer_for_head_but_not_another_managers_for_am1(users, world):
    """A9.2: the same selector as the pages — head of sales finds both 美居 customers by "mj", am1 only their own."""
    head = titles(users.head, "mj", "customers")
    assert world["meiju"].name in head and world["mingjiang"].name in head
    mine = titles(users.am1, "mj", "customers")
    assert mine == [world["meiju"].name]
    assert titles(users.am2, "mj", "customers") == [world["mingjiang"].name]
    assert titles(users.admin, "mj") == []  # the administrator sees no customer (A7.1)


@pytest.mark.parametrize("text", ["佛山美居", "美居", "meiju", "MJ", "mjjj", "fsmj", "佛山mj", "foshanmeiju", "ＭＪ"])
def test_customer_found_by_name_short_name_and_pinyin(users, world, text):
    assert world["meiju"].name in titles(users.am1, text, "customers")


def test_customer_found_by_credit_code_part(users, world):
    code = world["huajin"].credit_code
    assert titles(users.head, code, "customers") == [world["huajin"].name]
    assert world["huajin"].name in titles(users.head, code[-8:].lower(), "customers")


def test_best_matches_first(users, world, customer_factory):
    customer_factory("美居", manager=users.am1)
    customer_factory("华美居家有限公司", manager=users.am1)
    # the name or short name itself first (美居's short name is 美居), then names starting with it, then the rest
    assert titles(users.am1, "美居", "customers") == ["佛山美居家具有限公司", "美居", "华美居家有限公司"]
    # initials starting with mj (of the name or the short name) before initials holding it (华美居家: hmjj)
    assert titles(users.head, "mj", "customers") == ["佛山美居家具有限公司", "明江美居置业有限公司", "美居",
                                                     "华美居家有限公司"]


def test_a_rename_and_an_import_keep_the_keys_current(users, world):
    """The customer services and the import refresh the denormalised keys (issue 13)."""
    from kam.customers.models import Customer
    from kam.customers.services import customer_update
    from tests.exchange.helpers import csv_upload, run

    customer_update(actor=users.head, customer=world["huajin"], name="广州锦绣酒店管理有限公司")
    assert world["huajin"].name in titles(users.am1, "jinxiu", "customers")
    assert titles(users.am1, "huajin", "customers") == []
    _r, result = run(users.head, "customers", csv_upload("c.csv", [
        ["客户名称", "客户简称", "统一社会信用代码"], ["重庆长江家居有限公司", "长江家居", NEW_CODE],
        [world["meiju"].name, "美家", world["meiju"].credit_code]]))
    assert result.ok, [str(e) for e in result.errors]
    new = Customer.objects.get(credit_code=NEW_CODE)
    assert new.search_initials.startswith("cqcjjjyxgs") and "cjjj" in new.search_initials.split(" ")
    assert new.name in titles(users.head, "cqcj", "customers")
    assert world["meiju"].name in titles(users.am1, "meijia", "customers")  # the short name changed by import
    _r, result = run(users.head, "contacts", csv_upload("k.csv", [
        ["客户", "姓名", "电话"], [world["huajin"].credit_code, "周经理", "020-8888 2468"],
        [world["meiju"].credit_code, "陈采购", "13600001357"]]))
    assert result.ok, [str(e) for e in result.errors]
    assert titles(users.am1, "2468", "contacts") == ["周经理"]  # created by the import
    assert titles(users.am1, "1357", "contacts") == ["陈采购"]  # its phone changed by the import
    assert titles(users.am1, "4321") == []


def test_phone_suffix_finds_the_decision_maker_for_head_and_logs_the_core_read(users, world):
    """A7.1/A7.2: a decision maker's phone is core data — head of sales and management match on it, and each
    such match is written to the core-access log (channel 搜索), never the value."""
    from kam.audit.models import CoreAccess

    assert titles(users.head, "5678", "contacts") == ["林国栋", "林东明"]
    assert titles(users.mgmt, "345678", "contacts") == ["林国栋"]
    assert titles(users.head, DM_PHONE, "contacts") == ["林国栋"]
    assert titles(users.head, "139 1234 5678", "contacts") == ["林国栋"]
    rows = CoreAccess.objects.filter(channel="search")
    assert {(r.user_id, r.customer_id) for r in rows} == {(users.head.pk, world["meiju"].pk),
                                                           (users.mgmt.pk, world["meiju"].pk)}
    assert all(r.fields == ["customers.Contact.phone[decision_maker]"] for r in rows)
    assert all(r.granted for r in rows)


def test_phone_suffix_is_ignored_for_am1_on_core_phones_and_other_managers_contacts(users, world):
    """A7.1: am1 may not see the decision maker's phone (core) nor am2's contacts: neither is matched, and nothing
    is logged; the buyer's phone of am1's own customer is basic data am1 sees on the page, so it is matched."""
    from kam.audit.models import CoreAccess

    assert titles(users.am1, "5678") == []
    assert titles(users.am1, DM_PHONE) == []
    assert titles(users.am1, "4321", "contacts") == ["陈采购"]
    assert titles(users.am2, "5678", "contacts") == ["林东明"]
    assert not CoreAccess.objects.filter(channel="search").exists()


def test_phone_marked_core_by_management_is_matched_only_by_core_roles(users, world):
    """A7.1: when management marks contacts' phones core, am1 no longer matches the buyer's phone."""
    from kam.confidentiality.services import field_classify

    field_classify(actor=users.mgmt, field="customers.Contact.phone", core=True)
    assert titles(users.am1, "4321") == []
    assert titles(users.svc, "4321") == []
    assert titles(users.head, "4321", "contacts") == ["陈采购"]


def test_no_phone_in_any_response_or_log(users, world, client, caplog):
    """The results say which digits matched (those typed), never the phone; the query is not logged."""
    caplog.set_level(logging.DEBUG)
    for name in ("head", "mgmt", "am1", "am2", "svc", "mkt", "fin"):
        client.force_login(getattr(users, name))
        for url in ("/search/?q=5678", "/search/suggest/?q=5678", "/search/?q=5678&kind=contacts",
                    "/search/?q=林", "/search/suggest/?q=林"):
            body = client.get(url).content.decode()
            for phone in (DM_PHONE, BUYER_PHONE, OTHER_PHONE, DM_PHONE[3:], "1234"):
                assert phone not in body, (name, url, phone)
    assert DM_PHONE not in caplog.text and "5678" not in caplog.text


def test_contacts_by_name_within_scope(users, world):
    assert titles(users.head, "林", "contacts") == ["林国栋", "林东明"]
    assert titles(users.am1, "林", "contacts") == ["林国栋"]
    assert titles(users.admin, "林") == []


def test_anonymised_contacts_are_not_found(users, world):
    from kam.dossier.services import contact_anonymise

    contact_anonymise(actor=users.head, contact=world["buyer"], reason="本人申请")
    assert titles(users.head, "4321") == []
    assert titles(users.head, "陈采购") == []


def test_phone_changed_on_the_customer_page_is_found_by_its_new_digits(users, world):
    from kam.dossier.services import contact_update

    contact_update(actor=users.am1, contact=world["buyer"], phone="13600002468")
    assert titles(users.am1, "4321") == []
    assert titles(users.am1, "2468", "contacts") == ["陈采购"]


def test_tickets_and_requests_by_number(users, key_account, customer_factory):
    """Tickets (SH<date>-<n>) and requests (XQ<date>-<n>) by their number or a part of it, scoped as their lists."""
    from kam.demands.services import request_log
    from kam.service.services import ticket_open

    mine = key_account("佛山华美酒店", manager=users.am1)
    theirs = key_account("远景地产", manager=users.am2)
    t1 = ticket_open(actor=users.svc, customer=mine, problem="床头板开裂")
    t2 = ticket_open(actor=users.svc, customer=theirs, problem="衣柜门松动")
    r1 = request_log(actor=users.am1, customer=mine, kind="other", channel="phone", summary="索取检测报告")
    assert t1.number.startswith("SH") and r1.number.startswith("XQ") and r1.number[2:10].isdigit()
    assert titles(users.svc, t1.number, "tickets") == [t1.number]
    assert titles(users.svc, t1.number.lower(), "tickets") == [t1.number]
    assert titles(users.svc, t2.number[-12:], "tickets") == [t2.number]
    assert set(titles(users.head, t1.number[:10], "tickets")) == {t1.number, t2.number}
    assert titles(users.am1, t2.number) == []  # another manager's customer's ticket (A9.2)
    assert titles(users.am1, r1.number) == [r1.number]
    assert titles(users.am2, r1.number) == []
    assert titles(users.head, "12") == []  # too short to be a number


@pytest.mark.parametrize("text", ["%", "_", "%%", "%_%", "' OR 1=1 --", "\\", "美居%", "_居", "🙂", "\x00", "\u200b"])
def test_wildcards_and_odd_input_match_literally(users, world, client, text):
    """SQL wildcards are plain characters (escaped LIKE): "%" does not list every customer; control characters
    (a NUL, which PostgreSQL refuses) are dropped."""
    assert titles(users.head, text) == []
    client.force_login(users.head)
    for url in ("/search/", "/search/suggest/"):
        response = client.get(url, {"q": text})
        assert response.status_code in (200, 400), (url, text, response.status_code)


def test_punctuation_is_ignored_in_the_pinyin_form(users, world):
    assert titles(users.head, "m%j", "customers") == titles(users.head, "mj", "customers")
    assert titles(users.head, "m_j", "customers") == titles(users.head, "m-j", "customers")


def test_empty_and_too_long_queries(users, world, client):
    client.force_login(users.head)
    response = client.get("/search/")
    assert response.status_code == 200 and "可以搜索" in response.content.decode()
    assert client.get("/search/", {"q": "   "}).status_code == 200
    assert client.get("/search/suggest/", {"q": ""}).content.strip() == b""
    long = "美" * 1000
    response = client.get("/search/", {"q": long})
    assert response.status_code == 400
    assert "搜索内容" in response.content.decode() and "100" in response.content.decode()
    response = client.get("/search/suggest/", {"q": long})
    assert response.status_code == 400 and "100" in response.content.decode()
    assert client.get("/search/", {"q": "mj", "kind": "nonsense"}).status_code == 400
    assert client.get("/search/", {"q": "mj", "kind": "customers", "page": "0"}).status_code == 400
    assert client.get("/search/", {"q": "mj", "kind": "customers", "page": "99999999999999999999"}).status_code == 400
    assert client.get("/search/", {"q": "mj", "page": "abc"}).status_code == 400


def test_results_page_groups_and_pages(users, world, customer_factory, client):
    for i in range(25):
        customer_factory(f"美居{i:02d}号店有限公司", manager=users.am1)
    client.force_login(users.am1)
    body = client.get("/search/", {"q": "mj"}).content.decode()
    assert 'id="search-customers"' in body and "kind=customers" in body  # more than the overview shows
    assert world["mingjiang"].name not in body
    page1 = client.get("/search/", {"q": "mj", "kind": "customers"}).content.decode()
    page2 = client.get("/search/", {"q": "mj", "kind": "customers", "page": 2}).content.decode()
    assert page1.count('class="muted small"') == 20 and page2.count('class="muted small"') == 6
    assert "page=2" in page1 and "page=1" in page2
    assert "没有找到" in client.get("/search/", {"q": "不存在的客户"}).content.decode()


def test_the_suggestions_link_to_the_records_and_to_all_results(users, world, client):
    client.force_login(users.head)
    body = client.get("/search/suggest/", {"q": "mj"}).content.decode()
    assert f'href="/customers/{world["meiju"].pk}/"' in body and "/search/?q=mj" in body
    assert body.count('class="suggest-item"') <= 3 * len(search.providers_for(users.head))


def test_search_box_only_for_users_who_read_customers(users, client):
    """The administrator reads no customers (A7.1): no box, and the page is refused."""
    client.force_login(users.admin)
    assert 'id="nav-search"' not in client.get("/").content.decode()
    assert client.get("/search/", {"q": "mj"}).status_code == 403
    assert client.get("/search/suggest/", {"q": "mj"}).status_code == 403
    for name in ("head", "mgmt", "am1", "mkt", "svc", "fin"):
        client.force_login(getattr(users, name))
        assert 'id="nav-search"' in client.get("/").content.decode(), name
    client.logout()
    assert client.get("/search/", {"q": "mj"}).status_code == 302


def test_search_page_runs_a_bounded_number_of_queries(users, world, customer_factory, key_account, client,
                                                      django_assert_max_num_queries):
    """A fixed number of queries whatever the number of customers and hits (one per provider, plus the page's
    own: session, user, roles, navigation counts; the core-field classification for phone matches)."""
    client.force_login(users.head)
    client.get("/search/", {"q": "mj"})  # warm caches (policy, navigation)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/search/", {"q": "mj"}).status_code == 200
    for i in range(30):
        c = customer_factory(f"美居分店{i}有限公司", manager=users.am1)
        from kam.customers.services import contact_create

        contact_create(actor=None, customer=c, name=f"林{i}", phone=f"1390000{i:04d}", is_decision_maker=i % 2 == 0)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/search/", {"q": "mj"}).status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/search/", {"q": "林"}).status_code == 200
        assert client.get("/search/suggest/", {"q": "mj"}).status_code == 200
    # a phone: the classification read, the candidates and one INSERT of the core reads whatever the number of
    # customers matched (A7.2); the number-like query also asks tickets and requests
    from kam.audit.models import CoreAccess

    with django_assert_max_num_queries(len(few.captured_queries) + 5):
        assert client.get("/search/", {"q": "0002"}).status_code == 200
    assert CoreAccess.objects.filter(channel="search").count() == 1  # only 林2 (a decision maker) has a phone ending 0002


def test_search_queries_are_redacted_in_logs():
    """What was searched may be a phone's last digits (A7.1): gunicorn's and Django's request logs hide it."""
    from kam.core.logging import redact

    assert redact('"GET /search/?q=5678 HTTP/1.1" 200') == '"GET /search/?q=[redacted] HTTP/1.1" 200'
    assert "5678" not in redact("GET /search/suggest/?kind=contacts&q=5678&page=2")


def test_customer_list_filter_matches_as_the_search_does(users, world, client):
    """The customer list's text filter uses the same match: pinyin initials, short name, credit code, city."""
    client.force_login(users.am1)
    body = client.get("/customers/", {"q": "mj"}).content.decode()
    assert world["meiju"].name in body and world["huajin"].name not in body
    assert world["mingjiang"].name not in body  # A9.2
    body = client.get("/customers/", {"q": "广州"}).content.decode()
    assert world["huajin"].name in body and world["meiju"].name not in body
    assert client.get("/customers/", {"q": "%"}).status_code == 200
