"""Tickets and requests through the API (A11, A15): create, transition, pause/resume, escalate, assign, feedback."""

import datetime as dt

import pytest

from kam.users.services import api_token_create

pytestmark = pytest.mark.django_db


def _h(user):
    return {"HTTP_AUTHORIZATION": "Bearer " + api_token_create(actor=user, name="t")[1]}


def test_ticket_api_flow(users, key_account, client):
    c = key_account()
    svc = _h(users.svc)
    r = client.post("/api/tickets/", {"customer_id": c.pk, "problem": "床垫异响"}, content_type="application/json",
                    **svc)
    assert r.status_code == 201
    data = r.json()
    assert {k["rule"] for k in data["clocks"]} == {"A11.1"}
    tid = data["id"]
    bad = client.post(f"/api/tickets/{tid}/transition", {"action": "close"}, content_type="application/json", **svc)
    assert bad.status_code == 400 and bad.json()["field"] == "status"
    missing = client.post(f"/api/tickets/{tid}/transition", {"action": "respond", "note": "已联系"},
                          content_type="application/json", **svc)
    assert missing.status_code == 400 and missing.json()["rule"] == "A11.2"
    ok = client.post(f"/api/tickets/{tid}/transition", {"action": "respond", "note": "已联系", "onsite_needed": True},
                     content_type="application/json", **svc)
    assert ok.json()["status"] == "responded"
    assert {k["rule"]: k["state"] for k in ok.json()["clocks"]}["A11.1"] == "met"
    paused = client.post(f"/api/tickets/{tid}/pause", {"reason": "customer_unavailable"},
                         content_type="application/json", **svc)
    assert paused.status_code == 200 and "A11.2" not in {k["rule"] for k in paused.json()["clocks"]}
    resumed = client.post(f"/api/tickets/{tid}/resume", **svc)
    assert "A11.2" in {k["rule"] for k in resumed.json()["clocks"]}
    assert client.post(f"/api/tickets/{tid}/pause", {"reason": "customer_unavailable"},
                       content_type="application/json", **_h(users.am1)).status_code == 403


def test_request_api_flow(users, key_account, client):
    c = key_account()
    am1, head, mkt = _h(users.am1), _h(users.head), _h(users.mkt)
    r = client.post("/api/requests/", {"customer_id": c.pk, "kind": "customisation", "channel": "wechat",
                                       "summary": "前台背景墙定制"}, content_type="application/json", **am1).json()
    rid = r["id"]
    assert {k["rule"] for k in r["clocks"]} == {"A15.1"}
    client.post(f"/api/requests/{rid}/escalate", {"text": "需要市场部设计"}, content_type="application/json", **am1)
    a = client.post(f"/api/requests/{rid}/assign", {"department": "marketing", "assignee_id": users.mkt.pk},
                    content_type="application/json", **head)
    assert a.json()["status"] == "assigned" and a.json()["assignee_id"] == users.mkt.pk
    client.post(f"/api/requests/{rid}/outcome", {"text": "设计稿已出"}, content_type="application/json", **mkt)
    refused = client.post(f"/api/requests/{rid}/close", **am1)
    assert refused.status_code == 400 and refused.json()["rule"] == "A15.2"
    client.post(f"/api/requests/{rid}/feedback", {"to_person": "林董", "how": "phone",
                                                  "at": dt.datetime.now(dt.UTC).isoformat()},
                content_type="application/json", **am1)
    assert client.post(f"/api/requests/{rid}/close", **am1).json()["status"] == "closed"
