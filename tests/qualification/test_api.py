"""The December review through the API (A5.1, A9.1), proposals (A5.2), assignments (A9.1/A9.2)."""

import pytest

from kam.users.services import api_token_create

pytestmark = pytest.mark.django_db


def _h(user):
    return {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(actor=user, name="t")[1]}


def test_review_end_to_end_through_the_api(users, qualified, client):
    a = qualified("华美酒店", "5000000", manager=users.am1)
    b = qualified("小客户", "100000", manager=users.am2)
    head, mgmt = _h(users.head), _h(users.mgmt)
    assert client.get("/api/designation/criteria", **_h(users.am1)).json()["criteria"][0]["rule"] == "A2.1"
    r = client.post("/api/designation/reviews", {"year": 2026}, content_type="application/json", **head)
    assert r.status_code == 201
    rid = r.json()["id"]
    rows = client.get(f"/api/designation/reviews/{rid}/candidates?change=", **head).json()["items"]
    assert "小客户" not in {c["customer_name"] for c in rows}  # far below the amount: not drafted
    added = client.post(f"/api/designation/reviews/{rid}/candidates", {"customer_id": b.pk},
                        content_type="application/json", **head)
    assert added.status_code == 201
    rows = client.get(f"/api/designation/reviews/{rid}/candidates?change=", **head).json()["items"]
    by_name = {c["customer_name"]: c for c in rows}
    assert by_name["华美酒店"]["qualifies"] and not by_name["小客户"]["meets_amount"]
    bad = client.post(f"/api/designation/reviews/{rid}/decide", {"candidate_ids": [by_name["小客户"]["id"]],
                                                                 "decision": "include"},
                      content_type="application/json", **head)
    assert bad.status_code == 400 and bad.json()["rule"] == "A5.1" and bad.json()["field"] == "reason"
    ok = client.post(f"/api/designation/reviews/{rid}/decide", {"candidate_ids": [by_name["小客户"]["id"]],
                                                                "decision": "include", "reason": "战略"},
                     content_type="application/json", **head)
    assert ok.json() == {"updated": 1}
    assert client.post(f"/api/designation/reviews/{rid}/approve", **mgmt).status_code == 400  # not submitted
    assert client.post(f"/api/designation/reviews/{rid}/submit", **head).json()["status"] == "submitted"
    assert client.post(f"/api/designation/reviews/{rid}/approve", **head).status_code == 403
    assert client.post(f"/api/designation/reviews/{rid}/approve", **mgmt).json()["status"] == "approved"
    keys = client.get("/api/designation/key-accounts", **head).json()["items"]
    assert {k["id"] for k in keys} == {a.pk, b.pk}
    listing = client.get("/api/customers/?tier=key", **_h(users.am1)).json()["items"]
    assert [c["id"] for c in listing] == [a.pk] and listing[0]["tier"] in ("core", "ordinary")


def test_api_cap_and_proposals(users, qualified, client, customer_factory, buy):
    from datetime import date

    accounts = [qualified(f"客户{i:02d}", "3500000", manager=users.am1) for i in range(15)]
    head, mgmt = _h(users.head), _h(users.mgmt)
    rid = client.post("/api/designation/reviews", {"year": 2026}, content_type="application/json", **head).json()["id"]
    client.post(f"/api/designation/reviews/{rid}/submit", **head)
    assert client.get(f"/api/designation/reviews/{rid}/blockers", **mgmt).json() == {"blockers": []}
    client.post(f"/api/designation/reviews/{rid}/approve", **mgmt)
    newcomer = customer_factory("新贵", manager=users.am2)
    buy(newcomer, "3200000", on=date(2026, 5, 1))
    p = client.post("/api/designation/proposals", {"customer_id": newcomer.pk, "kind": "inclusion",
                                                   "reason": "增长快", "manager_id": users.am1.pk},
                    content_type="application/json", **head)
    assert p.status_code == 201
    refused = client.post(f"/api/designation/proposals/{p.json()['id']}/decide", {"approve": True},
                          content_type="application/json", **mgmt)
    assert refused.status_code == 400 and refused.json()["rule"] == "A9.1"  # am1 already holds 15
    loads = {row["manager_id"]: row["key_accounts"] for row in client.get("/api/designation/portfolios", **head).json()}
    assert loads[users.am1.pk] == 15
    moved = client.post("/api/designation/assignments", {"customer_id": accounts[0].pk, "manager_id": users.am2.pk,
                                                         "reason": "平衡负荷"}, content_type="application/json",
                        **head)
    assert moved.status_code == 200
    assert client.get("/api/designation/portfolios", **_h(users.am1)).status_code == 403
