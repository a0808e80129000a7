"""Request actions (A15): one URL and one form per action; bad input is a 400 naming the field with nothing
changed; a customer or person the user may not pick is a form error; the API's choices are enums."""

import pytest

from kam.demands import services
from kam.demands.models import CustomerRequest, Feedback

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def req(users, key_account):
    return services.request_log(actor=users.am1, customer=key_account(), kind="customisation", channel="phone",
                                summary="前台背景墙定制")


def test_each_action_has_its_own_url_and_the_request_page_only_renders(users, req, client):
    client.force_login(users.am1)
    base = f"/requests/{req.pk}/"
    assert client.post(base, {"action": "respond", "text": "x"}).status_code == 405
    for action in ("respond", "solution", "escalate", "assign", "outcome", "feedback", "close"):
        assert client.get(f"{base}{action}/").status_code == 405, action
    assert f'action="{base}respond/"' in client.get(base).content.decode()
    assert client.post(f"{base}respond/", {"text": "已收到"}).status_code == 302
    req.refresh_from_db()
    assert req.status == "responded" and req.response == "已收到"


def test_a152_escalation_without_a_note_names_the_field_and_keeps_nothing(users, req, client):
    client.force_login(users.am1)
    response = client.post(f"/requests/{req.pk}/escalate/", {"text": "  "})
    assert response.status_code == 400
    assert "「升级说明」" in response.content.decode() and "A15.2" in response.content.decode()
    req.refresh_from_db()
    assert req.status == "open" and req.escalated_at is None


def test_a152_assign_refuses_unknown_huge_and_wrong_department_people(users, req, client):
    services.request_escalate(actor=users.am1, request=req, note="需要市场部设计")
    client.force_login(users.head)
    url = f"/requests/{req.pk}/assign/"
    for data, label in [({"department": "marketing", "assignee": HUGE}, "负责人"),
                        ({"department": "marketing", "assignee": "abc"}, "负责人"),
                        ({"department": "marketing", "assignee": users.am2.pk}, "负责人"),  # not a department's
                        ({"department": "legal", "assignee": users.mkt.pk}, "部门"),
                        ({"department": "finance", "assignee": users.mkt.pk}, "负责人")]:  # A4: not finance staff
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert f"「{label}」" in response.content.decode(), data
    req.refresh_from_db()
    assert req.status == "escalated" and req.assignee is None
    assert client.post(url, {"department": "marketing", "assignee": users.mkt.pk}).status_code == 302
    req.refresh_from_db()
    assert req.assignee == users.mkt


def test_a152_feedback_refuses_bad_time_and_channel_keeping_what_was_typed(users, req, client):
    services.request_record_outcome(actor=users.am1, request=req, outcome="设计稿已出")
    client.force_login(users.am1)
    url = f"/requests/{req.pk}/feedback/"
    response = client.post(url, {"to_person": "林董", "how": "phone", "at": "2026-13-45T10:00"})
    body = response.content.decode()
    assert response.status_code == 400 and "「时间」" in body and 'value="林董"' in body
    response = client.post(url, {"to_person": "林董", "how": "pigeon"})
    assert response.status_code == 400 and "「方式」" in response.content.decode()
    response = client.post(url, {"to_person": " ", "how": "phone"})
    assert response.status_code == 400 and "「告知对象」" in response.content.decode()
    assert not Feedback.objects.exists()
    response = client.post(f"/requests/{req.pk}/close/")
    assert response.status_code == 400 and "A15.2" in response.content.decode()


def test_new_request_form_refuses_garbage_and_other_managers_customers(users, key_account, client):
    own, other = key_account("华美酒店"), key_account("远景地产", manager=users.am2)
    client.force_login(users.am1)
    good = {"customer": own.pk, "kind": "other", "channel": "phone", "summary": "要检测报告"}
    for data, label in [({"customer": "abc"}, "客户"), ({"customer": HUGE}, "客户"), ({"customer": other.pk}, "客户"),
                        ({"kind": "zzz"}, "类型"), ({"channel": ""}, "渠道"),
                        ({"received_at": "2026-02-30T09:00"}, "收到时间")]:
        response = client.post("/requests/new/", {**good, **data})
        body = response.content.decode()
        assert response.status_code == 400, data
        assert f"「{label}」" in body and "要检测报告</textarea>" in body, data
        assert "远景地产" not in body
    assert not CustomerRequest.objects.exists()
    assert client.post("/requests/new/", good).status_code == 302


def test_api_refuses_bad_choices_and_ids_by_schema(users, key_account, client):
    c = key_account()
    client.force_login(users.am1)
    for payload, field in [({"customer_id": c.pk, "kind": "gift", "channel": "phone", "summary": "x"}, "kind"),
                           ({"customer_id": c.pk, "kind": "other", "channel": "fax", "summary": "x"}, "channel"),
                           ({"customer_id": int(HUGE), "kind": "other", "channel": "phone", "summary": "x"},
                            "customer_id")]:
        r = client.post("/api/requests/", payload, content_type="application/json")
        assert r.status_code == 422 and r.json()["field"] == field, payload
    assert not CustomerRequest.objects.exists()
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert schema["RequestKind"]["enum"] == ["customisation", "delivery_change", "repair", "other"]
    assert schema["Department"]["enum"] == ["after_sales", "marketing", "finance"]
    assert "RequestChannel" in schema and "RequestStatus" in schema
