"""The core-access log's customer filter takes a customer's name (or short name, credit code, pinyin), not an
internal number, and offers the matching names as management types (issue 13; A7.2)."""

from __future__ import annotations

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


@pytest.fixture
def log(users, customer_factory):
    from kam.audit.models import CoreAccess

    meiju = customer_factory("佛山美居家具有限公司", manager=users.am1, short_name="美居")
    yuanjing = customer_factory("广州远景地产有限公司", manager=users.am2)
    for customer, channel in ((meiju, "page"), (yuanjing, "search")):
        CoreAccess.objects.create(at=timezone.now(), user=users.head, customer=customer,
                                  fields=["floor_prices"], channel=channel)
    return meiju, yuanjing


def rows(body: str) -> str:
    return body.split('id="access-log"', 1)[1]


@pytest.mark.parametrize("text", ["美居", "佛山美居家具有限公司", "mj", "fsmj", "meiju"])
def test_filter_by_customer_name_short_name_or_pinyin(users, log, client, text):
    meiju, yuanjing = log
    client.force_login(users.mgmt)
    response = client.get("/audit/access-log/", {"customer": text})
    assert response.status_code == 200
    table = rows(response.content.decode())
    assert meiju.name in table and yuanjing.name not in table


def test_filter_by_credit_code_and_channel_label(users, log, client):
    meiju, yuanjing = log
    client.force_login(users.mgmt)
    table = rows(client.get("/audit/access-log/", {"customer": yuanjing.credit_code}).content.decode())
    assert yuanjing.name in table and meiju.name not in table
    assert "搜索" in table and ">search<" not in table  # the channel in Chinese


def test_customer_names_offered_as_management_types(users, log, client):
    meiju, yuanjing = log
    client.force_login(users.mgmt)
    page = client.get("/audit/access-log/").content.decode()
    assert 'list="access-log-customers"' in page and 'hx-get="/audit/access-log/customers/"' in page
    options = client.get("/audit/access-log/customers/", {"customer": "mj"}).content.decode()
    assert f'<option value="{meiju.name}">' in options and yuanjing.name not in options
    assert client.get("/audit/access-log/customers/", {"customer": ""}).content.decode() == ""
    client.force_login(users.head)
    assert client.get("/audit/access-log/customers/", {"customer": "mj"}).status_code == 403


def test_bad_filters_are_a_400_and_never_an_unfiltered_export(users, log, client):
    client.force_login(users.mgmt)
    for params in ({"customer": "美" * 1000}, {"since": "not-a-date"}, {"customer": "%"}, {"customer": "\x00"}):
        response = client.get("/audit/access-log/", params)
        assert response.status_code in (200, 400), params
    response = client.get("/audit/access-log/", {"customer": "美" * 1000})
    assert response.status_code == 400 and "「客户」" in response.content.decode()
    assert "没有记录" in rows(client.get("/audit/access-log/", {"customer": "%"}).content.decode())
    export = client.get("/audit/access-log/export.xlsx", {"customer": "美" * 1000})
    assert export.status_code == 302 and "/audit/access-log/?" in export["Location"]
