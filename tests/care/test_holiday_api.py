"""The company's holiday list and the customs notes through the API (A14.1): the same keepers and readers as the
pages, the same service (audited, refusals naming the field), paged with a bounded number of queries."""

from __future__ import annotations

import pytest

from kam.audit.models import AuditEvent
from kam.care.models import CompanyHoliday
from tests.factories import ContactFactory

pytestmark = pytest.mark.django_db


def _post(client, path, body, method="post"):
    return getattr(client, method)(path, body, content_type="application/json")


def test_a141_holiday_api_head_adds_and_deactivates_management_reads_others_refused(users, client):
    client.force_login(users.head)
    made = _post(client, "/api/care/holidays/", {"name": "教师节", "calendar": "solar", "month": 9, "day": 10})
    assert made.status_code == 201, made.content
    hid = made.json()["id"]
    assert CompanyHoliday.objects.get(pk=hid).active
    assert AuditEvent.objects.filter(action="care.holiday.added", actor=users.head).count() == 1
    changed = _post(client, f"/api/care/holidays/{hid}", {"name": "教师节", "calendar": "solar", "month": 9,
                                                          "day": 10, "active": False}, method="put")
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert not CompanyHoliday.objects.get(pk=hid).active

    client.force_login(users.mgmt)
    names = [h["name"] for h in client.get("/api/care/holidays/").json()["items"]]
    assert set(names) == {"元旦", "端午节", "国庆节", "教师节"}
    refused = _post(client, "/api/care/holidays/", {"name": "重阳节", "calendar": "lunar", "month": 9, "day": 9})
    assert refused.status_code == 403
    for who in ("am1", "svc", "mkt", "fin"):
        client.force_login(getattr(users, who))
        assert client.get("/api/care/holidays/").status_code == 403, who
    assert not CompanyHoliday.objects.filter(name="重阳节").exists()


def test_a141_holiday_api_refuses_a_day_the_month_does_not_have_naming_the_field(users, client):
    client.force_login(users.head)
    before = CompanyHoliday.objects.count()
    answer = _post(client, "/api/care/holidays/", {"name": "二月三十", "calendar": "solar", "month": 2, "day": 30})
    assert answer.status_code == 400
    assert answer.json()["field"] == "day" and "1–29" in answer.json()["message"]
    assert CompanyHoliday.objects.count() == before


def test_a141_holiday_api_query_count_does_not_grow(users, client, django_assert_max_num_queries):
    client.force_login(users.head)
    with django_assert_max_num_queries(8):
        assert client.get("/api/care/holidays/").status_code == 200
    for n in range(20):
        CompanyHoliday.objects.create(name=f"纪念日{n}", month=1 + n % 12, day=1 + n)
    with django_assert_max_num_queries(8):
        assert client.get("/api/care/holidays/").json()["count"] == 23


def test_a141_customs_notes_in_the_customer_api_for_the_own_manager(users, client, key_account):
    a = key_account("华美酒店", manager=users.am1)
    a.pref_customs = "忌送钟表"
    a.save(update_fields=["pref_customs"])
    ContactFactory(customer=a, name="林董", is_decision_maker=True, customs_note="素食，不饮酒")
    client.force_login(users.am1)
    data = client.get(f"/api/customers/{a.pk}").json()
    assert data["pref_customs"] == "忌送钟表"
    assert [c["customs"] for c in data["contacts"]] == ["素食，不饮酒"]
    client.force_login(users.am2)
    assert client.get(f"/api/customers/{a.pk}").status_code == 404
