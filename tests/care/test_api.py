"""The gift register through the API (A14.2): the same gates and scoping as the pages."""

from __future__ import annotations

import pytest

from kam.care.models import Gift, GiftRefusal

pytestmark = pytest.mark.django_db


def payload(account, **changes):
    data = {"customer_id": account.mine.pk, "recipient_id": account.boss.pk, "item": "定制茶具", "category": "custom",
            "quantity": 1, "unit_value": "200.00"}
    data.update(changes)
    return data


def test_a142_api_registers_approves_and_gives(users, account, client):
    client.force_login(users.am1)
    created = client.post("/api/care/gifts/", payload(account, unit_value="200.01"), content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["state"] == "awaiting" and body["state_label"] == "待审批" and body["total_value"] == "200.01"
    gift_id = body["id"]
    early = client.post(f"/api/care/gifts/{gift_id}/given", {}, content_type="application/json")
    assert early.status_code == 400 and early.json()["rule"] == "A14.2"
    client.force_login(users.head)
    assert client.post(f"/api/care/gifts/{gift_id}/decide", {"approve": True},
                       content_type="application/json").json()["state"] == "approved"
    client.force_login(users.am1)
    given = client.post(f"/api/care/gifts/{gift_id}/given", {}, content_type="application/json")
    assert given.status_code == 200 and given.json()["state"] == "given"
    assert [g["id"] for g in client.get("/api/care/gifts/").json()["items"]] == [gift_id]


def test_a142_api_refuses_a_shopping_card_with_article_14_and_records_it(users, account, client):
    client.force_login(users.am1)
    refused = client.post("/api/care/gifts/", payload(account, item="超市购物卡", category="food"),
                          content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "item" and "第十四条" in refused.json()["message"]
    assert not Gift.objects.exists() and GiftRefusal.objects.get().channel in ("api", "page")
    over = client.post("/api/care/gifts/", payload(account, unit_value="500.01"), content_type="application/json")
    assert over.status_code == 400 and "¥500.00" in over.json()["message"]
    bad = client.post("/api/care/gifts/", payload(account, unit_value="1.001"), content_type="application/json")
    assert bad.status_code == 422


def test_a142_api_is_scoped_to_the_givers_chain(users, account, client):
    client.force_login(users.am1)
    gift_id = client.post("/api/care/gifts/", payload(account), content_type="application/json").json()["id"]
    client.force_login(users.am2)
    assert client.get(f"/api/care/gifts/{gift_id}").status_code == 404
    assert client.get("/api/care/gifts/").json()["items"] == []
    assert client.post("/api/care/gifts/", payload(account), content_type="application/json").status_code == 404
    client.force_login(users.svc)
    assert client.get("/api/care/gifts/").json()["items"] == []
    assert client.get(f"/api/care/gifts/{gift_id}").status_code == 404
