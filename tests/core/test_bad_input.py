"""Bad input is never a 500 (house rule): every page route (GET with a garbage query, POST with garbage forms)
and every API operation (garbage JSON, ids beyond bigint) — found by walking Django's URL resolver and the
OpenAPI schema like the permission matrix, so a new route is covered without editing this test — answers
with a 4xx or a normal page, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.dossier.test_permission_matrix import (  # noqa: F401 - `world` is a fixture
    api_operations,
    api_url,
    concrete,
    page_routes,
    world,
)

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond bigint (2^63 − 1)
ID_FIELDS = ("customer", "technician", "assignee", "manager", "candidate", "contact", "existing", "year", "group",
             "user", "actor", "target_id",
             "accuracy", "decide", "mapping", "page")
DATE_FIELDS = ("later_date", "expires_on", "founded_on", "day", "from")
DATETIME_FIELDS = ("scheduled_for", "reported_at", "received_at", "at", "ended_at")
TEXT_FIELDS = ("decision", "kind", "channel", "how", "department", "reason", "approve", "onsite_needed",
               "status", "tier", "section", "lat", "lng", "start", "end", "email", "price", "series", "note",
               "text", "resolution", "comment", "to_person", "name", "problem", "summary", "purpose")


def garbage(ids: str) -> dict[str, str]:
    data = {name: ids for name in ID_FIELDS}
    data.update({name: "2026-13-45" for name in DATE_FIELDS})
    data.update({name: "2026-13-45T99:99" for name in DATETIME_FIELDS})
    data.update({name: "\x00zz" if name in ("decision", "kind") else "zzz" for name in TEXT_FIELDS})
    return data


def api_garbage(ids) -> dict:
    data: dict = {f"{name}_id": ids for name in ("customer", "ticket", "technician", "assignee", "manager")}
    data.update({"candidate_ids": [ids, "x"], "action": "fly", "reason": 7, "later_date": "2026-13-45",
                 "scheduled_for": "2026-13-45T99:99", "at": "later", "kind": "gift", "channel": "fax",
                 "how": "pigeon", "department": "legal", "decision": "maybe", "year": ids, "approve": "perhaps",
                 "what": "everything", "text": None, "summary": ["x"], "onsite_needed": "sometimes", "group": ids,
                 "page": ids, "page_size": ids, "tier": "gold", "status": "lost", "customer_type": "alien"})
    return data


@pytest.mark.parametrize("who", ["head", "svc", "am1", "mgmt"])
def test_garbage_posted_to_every_page_is_never_a_500(who, users, world):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(users, who))
    names = ID_FIELDS + DATE_FIELDS + ("status", "type", "tier", "sort", "meets", "change")
    queries = ["&".join(f"{k}={v}" for k, v in garbage(ids).items() if k in names) for ids in (HUGE, "abc")]
    checked = 0
    for route, _name in page_routes():
        for url in concrete(route, world, who, world["customer"]):
            if "calendar/<" in route or route.endswith(".ics"):
                continue
            responses = [("get", client.get(f"{url}?{queries[0]}")), ("get abc", client.get(f"{url}?{queries[1]}")),
                         ("post", client.post(url, garbage("abc"))), ("post huge", client.post(url, garbage(HUGE)))]
            for how, response in responses:
                assert response.status_code < 500, (who, how, url, response.status_code)
            checked += 1
    assert checked > 60  # the walk found the routes


@pytest.mark.parametrize("who", ["head", "svc", "am1"])
def test_garbage_sent_to_every_api_operation_is_a_4xx_naming_the_field(who, users, world):  # noqa: F811
    client = Client(raise_request_exception=False)
    client.force_login(getattr(users, who))
    checked = 0
    for path, method in api_operations(client):
        for url in (api_url(path, world, world["customer"]), re.sub(r"{\w+}", HUGE, path)):
            for payload in (api_garbage(int(HUGE)), api_garbage("abc")):
                if method == "get":
                    response = client.get(url, {k: v for k, v in payload.items() if isinstance(v, str | int)})
                else:
                    response = getattr(client, method)(url, payload, content_type="application/json")
                assert response.status_code < 500, (who, method, url, response.status_code)
                if response.status_code in (400, 422):
                    body = response.json()
                    assert body.get("field") or body.get("rule"), (method, url, body)
                checked += 1
    assert checked > 100
