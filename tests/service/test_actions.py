"""Ticket actions (A11): one URL and one form per action; bad input is a 400 naming the field with nothing
changed (never a 500, SQLite and PostgreSQL); the page and the API call the same services."""

import pytest

from kam.service import services
from kam.service.models import Ticket, TicketPause

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # beyond bigint


@pytest.fixture
def ticket(users, key_account):
    return services.ticket_open(actor=users.svc, customer=key_account(), problem="床头板开裂")


def _responded(users, ticket, onsite=True):
    return services.ticket_respond(actor=users.svc, ticket=ticket, note="已联系", onsite_needed=onsite)


def test_each_action_has_its_own_url_and_the_ticket_page_only_renders(users, ticket, client):
    client.force_login(users.svc)
    base = f"/service/tickets/{ticket.pk}/"
    assert client.post(base, {"action": "respond", "note": "x", "onsite_needed": "1"}).status_code == 405
    for action in ("respond", "schedule", "on-site", "resolve", "close", "pause", "resume"):
        assert client.get(f"{base}{action}/").status_code == 405, action
    body = client.get(base).content.decode()
    assert f'action="{base}respond/"' in body and 'id="respond-form"' in body
    response = client.post(f"{base}respond/", {"note": "已电话联系", "onsite_needed": "0"}, follow=True)
    body = response.content.decode()
    assert "已记录响应，首次响应时限已完成（提前 1 小时 5" in body or "已记录响应，首次响应时限已完成（提前" in body, body
    assert "已更新" not in body
    ticket.refresh_from_db()
    assert ticket.status == "responded" and ticket.onsite_needed is False


def test_a112_first_response_without_the_onsite_decision_is_refused_and_keeps_the_note(users, ticket, client):
    client.force_login(users.svc)
    response = client.post(f"/service/tickets/{ticket.pk}/respond/", {"note": "已联系客户"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "「需要上门」" in body and "A11.2" in body and "已联系客户</textarea>" in body
    ticket.refresh_from_db()
    assert ticket.status == "new" and ticket.responded_at is None


def test_a112_pause_with_a_bad_date_or_reason_is_a_400_naming_the_field(users, ticket, client):
    _responded(users, ticket)
    client.force_login(users.svc)
    url = f"/service/tickets/{ticket.pk}/pause/"
    response = client.post(url, {"reason": "customer_later_date", "later_date": "2026-13-45"})
    assert response.status_code == 400 and "「客户要求的日期」" in response.content.decode()
    response = client.post(url, {"reason": "zzz"})
    assert response.status_code == 400 and "「暂停原因」" in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400 and "「暂停原因」" in response.content.decode()
    # the service's own refusal (A11.2: a later date is required for this reason) lands on the field too
    response = client.post(url, {"reason": "customer_later_date"})
    assert response.status_code == 400 and "「客户要求的日期」" in response.content.decode()
    assert not TicketPause.objects.exists()
    assert client.post(url, {"reason": "customer_later_date", "later_date": "2026-12-20"}).status_code == 302
    assert TicketPause.objects.get().later_date.isoformat() == "2026-12-20"


def test_schedule_refuses_garbage_and_huge_technician_ids(users, ticket, client):
    _responded(users, ticket)
    client.force_login(users.svc)
    url = f"/service/tickets/{ticket.pk}/schedule/"
    for data, label in [({"technician": users.svc.pk}, "上门时间"),
                        ({"scheduled_for": "2026-12-03T25:61", "technician": users.svc.pk}, "上门时间"),
                        ({"scheduled_for": "2026-12-03T10:00", "technician": "abc"}, "技术员"),
                        ({"scheduled_for": "2026-12-03T10:00", "technician": HUGE}, "技术员"),
                        ({"scheduled_for": "2026-12-03T10:00", "technician": users.am1.pk}, "技术员")]:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert f"「{label}」" in response.content.decode(), data
    ticket.refresh_from_db()
    assert ticket.status == "responded" and ticket.scheduled_for is None
    assert client.post(url, {"scheduled_for": "2026-12-03T10:00", "technician": users.svc.pk}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.status == "scheduled" and ticket.technician == users.svc


def test_a_refused_transition_renders_the_ticket_with_the_services_message(users, ticket, client):
    client.force_login(users.svc)
    response = client.post(f"/service/tickets/{ticket.pk}/close/")
    assert response.status_code == 400 and "不能从" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == "new"


def test_a_service_refusing_the_user_is_a_403_with_the_message(users, ticket, client):
    _responded(users, ticket)
    client.force_login(users.head)  # A11.2: only after-sales pauses the on-site clock
    response = client.post(f"/service/tickets/{ticket.pk}/pause/", {"reason": "customer_unavailable"})
    assert response.status_code == 403 and "只有售后服务部" in response.content.decode()
    assert not TicketPause.objects.exists()


def test_new_ticket_form_refuses_garbage_and_other_managers_customers(users, key_account, client):
    own, other = key_account("华美酒店"), key_account("远景地产", manager=users.am2)
    client.force_login(users.am1)
    for data, label in [({"customer": "abc"}, "客户（大客户）"), ({"customer": HUGE}, "客户（大客户）"),
                        ({"customer": other.pk}, "客户（大客户）"),  # not the user's: a form error, no data
                        ({"customer": own.pk, "reported_at": "2026-13-45T10:00"}, "客户报修时间"),
                        ({"customer": own.pk, "problem": " "}, "问题描述")]:
        response = client.post("/service/tickets/new/", {"problem": "衣柜门下垂", **data})
        body = response.content.decode()
        assert response.status_code == 400, data
        assert f"「{label}」" in body, data
        assert "远景地产" not in body  # another manager's customer is never listed
    assert 'name="site_city"' in body  # the form is shown again
    response = client.post("/service/tickets/new/", {"customer": own.pk, "problem": "衣柜门下垂",
                                                     "product_ref": "HB-1800", "reported_at": "2026-13-45T10:00"})
    assert 'value="HB-1800"' in response.content.decode() and "衣柜门下垂</textarea>" in response.content.decode()
    assert not Ticket.objects.exists()


def test_huge_ids_in_urls_are_404_not_500(users, client):
    client.force_login(users.svc)
    assert client.get(f"/service/tickets/{HUGE}/").status_code == 404
    assert client.post(f"/service/tickets/{HUGE}/close/").status_code == 404
    assert client.post(f"/service/tickets/{2**63}/resume/").status_code == 404


def test_care_form_refuses_bad_kind_and_time(users, key_account, client):
    from kam.service.models import CareSession

    c = key_account()
    client.force_login(users.svc)
    response = client.post("/service/care/new/", {"customer": c.pk, "kind": "massage", "at": "2026-11-26T10:00"})
    assert response.status_code == 400 and "「类型」" in response.content.decode()
    response = client.post("/service/care/new/", {"customer": c.pk, "kind": "training", "at": "yesterday"})
    assert response.status_code == 400 and "「时间」" in response.content.decode()
    assert not CareSession.objects.exists()


def test_page_and_api_call_the_same_service(users, ticket, client, monkeypatch):
    """No duplicated action code: the page's respond view and the API's transition both call
    services.ticket_respond (one function, one place for the A11.1/A11.2 logic)."""
    from kam.users.services import api_token_create

    calls = []
    real = services.ticket_respond

    def spy(**kwargs):
        calls.append(kwargs["onsite_needed"])
        return real(**kwargs)

    monkeypatch.setattr(services, "ticket_respond", spy)
    client.force_login(users.svc)
    client.post(f"/service/tickets/{ticket.pk}/respond/", {"note": "已联系", "onsite_needed": "1"})
    Ticket.objects.filter(pk=ticket.pk).update(status="resolved")  # set-up: a resolved ticket to reopen
    token = api_token_create(actor=users.svc, name="t")[1]
    r = client.post(f"/api/tickets/{ticket.pk}/transition", {"action": "reopen"}, content_type="application/json",
                    HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200 and r.json()["status"] == "responded"
    assert calls == [True, False]


def test_api_refuses_bad_choices_and_ids_by_schema(users, ticket, client):
    client.force_login(users.svc)
    url = f"/api/tickets/{ticket.pk}"
    for path, payload, field in [("/transition", {"action": "fly"}, "action"),
                                 ("/transition", {"action": "respond", "onsite_needed": True,
                                                  "technician_id": int(HUGE)}, "technician_id"),
                                 ("/transition", {"action": "respond", "technician_id": 0}, "technician_id"),
                                 ("/pause", {"reason": "bored"}, "reason"),
                                 ("/pause", {"reason": "customer_later_date", "later_date": "2026-13-45"},
                                  "later_date")]:
        r = client.post(url + path, payload, content_type="application/json")
        assert r.status_code == 422 and r.json()["field"] == field, (path, payload, r.content)
    assert client.get(f"/api/tickets/{HUGE}").status_code == 422
    assert client.get("/api/tickets/?status=zzz").json()["field"] == "status"
    assert client.get("/api/tickets/?status=").status_code == 200  # an empty filter is no filter
    r = client.post("/api/tickets/", {"customer_id": "abc", "problem": "x"}, content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "customer_id"
    ticket.refresh_from_db()
    assert ticket.status == "new" and not TicketPause.objects.exists()


def test_openapi_lists_the_choices_and_bounds(users, client):
    client.force_login(users.svc)
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    assert components["TicketAction"]["enum"] == ["respond", "schedule", "on_site", "resolve", "close", "reopen"]
    assert components["PauseReason"]["enum"] == ["customer_unavailable", "customer_later_date"]
    ticket_id = schema["paths"]["/api/tickets/{ticket_id}/transition"]["post"]["parameters"][0]["schema"]
    assert ticket_id["minimum"] == 1 and ticket_id["maximum"] == 2**63 - 1
