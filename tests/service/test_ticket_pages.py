"""The green channel's pages (A11, issue 13): the ticket list through the shared list component — due time,
countdown and state (paused included), sorted by due by default, filters in the URL, query count flat; specific
confirmations read from the stored clocks; the ticket form offering only key accounts and keeping what was typed;
closing with the customer's confirmation (who, when, how); the actual on-site arrival time (A11.2)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.core.errors import ApplicationError
from kam.service import services
from kam.service.models import Ticket
from tests.service.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 1, 10, 0)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _rows(body: str) -> list[str]:
    """The ticket numbers in the list's order."""
    table = body[body.index('id="tickets"'):]
    return re.findall(r">(SH\d{8}-\d{3})</a>", table)


def _n(client, url) -> tuple[int, str]:
    from django.core.cache import cache

    cache.clear()  # the navigation's short-lived counts are cached: measure every request cold
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


def test_a111_a112_ticket_list_sorted_by_due_with_countdown_state_and_pause(users, key_account, client, frozen):
    a, b, c, d = (key_account(n) for n in ("甲酒店", "乙酒店", "丙酒店", "丁酒店"))
    late = services.ticket_open(actor=users.svc, customer=a, problem="A", reported_at=NOW - dt.timedelta(hours=3))
    soon = services.ticket_open(actor=users.svc, customer=b, problem="B", reported_at=NOW - dt.timedelta(minutes=30))
    paused = services.ticket_open(actor=users.svc, customer=c, problem="C", reported_at=NOW - dt.timedelta(hours=1))
    services.ticket_respond(actor=users.svc, ticket=paused, note="客户改期", onsite_needed=True)
    services.ticket_pause(actor=users.svc, ticket=paused, reason="customer_later_date", later_date=dt.date(2026, 12, 5))
    closed = services.ticket_open(actor=users.svc, customer=d, problem="D", reported_at=NOW - dt.timedelta(hours=2))
    services.ticket_respond(actor=users.svc, ticket=closed, note="远程", onsite_needed=False)
    services.ticket_resolve(actor=users.svc, ticket=closed, resolution="已好")
    services.ticket_close(actor=users.svc, ticket=closed, confirmed_by="王经理", confirmed_via="phone")
    client.force_login(users.svc)
    _q, body = _n(client, "/service/tickets/")
    # earliest open clock first (A11.1 breached, then due in 90 minutes), then paused, then closed
    assert _rows(body) == [late.number, soon.number, paused.number, closed.number]
    assert "已超时 1 小时" in body and "剩余 1 小时 30 分钟" in body and "已逾期" in body
    assert "暂停：客户要求改期（12-05）" in body and "已关闭" in body
    assert 'data-due="2026-12-01T09:00:00+08:00"' in body  # the countdown's due instant (A11.1: 2 h after report)
    _q, desc = _n(client, "/service/tickets/?sort=-due")
    assert _rows(desc)[0] == closed.number
    # filters in the URL: open, paused, overdue only, customer name, technician
    assert _rows(_n(client, "/service/tickets/?status=open")[1]) == [late.number, soon.number, paused.number]
    assert _rows(_n(client, "/service/tickets/?status=paused")[1]) == [paused.number]
    assert _rows(_n(client, "/service/tickets/?overdue=1")[1]) == [late.number]
    assert _rows(_n(client, "/service/tickets/?" + urlencode({"customer": "乙"}))[1]) == [soon.number]
    assert _rows(_n(client, f"/service/tickets/?technician={users.svc.pk}")[1]) == []
    # garbage is ignored, never a 500
    assert len(_rows(_n(client, "/service/tickets/?status=zzz&technician=abc&overdue=9&sort=nope")[1])) == 4


def test_ticket_list_query_count_flat(users, key_account, client, frozen):
    for i in range(2):
        services.ticket_open(actor=users.svc, customer=key_account(f"甲{i}"), problem="问题")
    client.force_login(users.svc)
    small, _ = _n(client, "/service/tickets/")
    for i in range(15):
        t = services.ticket_open(actor=users.svc, customer=key_account(f"乙{i}"), problem="问题",
                                 reported_at=NOW - dt.timedelta(minutes=i))
        if i % 3 == 0:
            services.ticket_respond(actor=users.svc, ticket=t, note="x", onsite_needed=True, technician=users.svc)
        if i % 6 == 0:
            services.ticket_pause(actor=users.svc, ticket=t, reason="customer_unavailable")
    assert _n(client, "/service/tickets/")[0] == small
    assert _n(client, "/service/tickets/?" + urlencode({"status": "open", "customer": "乙", "sort": "-customer"}))[0] == small


def test_a111_response_confirmation_says_how_early_the_clock_was_met(users, key_account, client, frozen):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="床头板开裂",
                             reported_at=NOW - dt.timedelta(minutes=85))
    client.force_login(users.svc)
    response = client.post(f"/service/tickets/{t.pk}/respond/", {"note": "已电话联系", "onsite_needed": "1"},
                           follow=True)
    body = response.content.decode()
    assert "已记录响应，首次响应时限已完成（提前 35 分钟）（A11.1）。" in body
    assert "需要上门：上门时限截止 12-02 08:35（剩余 22 小时 35 分钟）（A11.2）" in body
    assert "已更新" not in body


def test_a111_late_response_says_how_late(users, key_account, client, frozen):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="x",
                             reported_at=NOW - dt.timedelta(hours=3, minutes=10))
    client.force_login(users.svc)
    body = client.post(f"/service/tickets/{t.pk}/respond/", {"note": "已联系", "onsite_needed": "0"},
                       follow=True).content.decode()
    assert "首次响应时限逾期完成（超时 1 小时 10 分钟）" in body and "远程处理" in body


def test_ticket_form_offers_only_key_accounts_preselects_none_and_keeps_the_text(users, key_account,
                                                                                customer_factory, client):
    key = key_account("华美酒店")
    plain = customer_factory("普通客户甲", manager=users.am1)
    client.force_login(users.am1)
    form = client.get("/service/tickets/new/").content.decode()
    select = form[form.index('name="customer"'):form.index("</select>", form.index('name="customer"'))]
    assert "华美酒店" in select and "普通客户甲" not in select  # A11: the green channel is for key accounts
    assert "selected" not in select.replace('value="" selected', "")  # nothing preselected but the prompt
    assert "请选择大客户" in select
    response = client.post("/service/tickets/new/", {"customer": plain.pk, "problem": "衣柜门下垂，需要尽快处理",
                                                     "product_ref": "WD-2", "reported_at": ""})
    body = response.content.decode()
    assert response.status_code == 400 and "「客户（大客户）」" in body
    assert "衣柜门下垂，需要尽快处理</textarea>" in body and 'value="WD-2"' in body  # what was typed is kept
    assert not Ticket.objects.exists()
    preset = client.get(f"/service/tickets/new/?customer={key.pk}").content.decode()
    assert f'value="{key.pk}" selected' in preset
    response = client.post("/service/tickets/new/", {"customer": key.pk, "problem": "衣柜门下垂", "reported_at": ""},
                           follow=True)
    assert "已登记" in response.content.decode() and "首次响应时限截止" in response.content.decode()


def _resolved(users, key_account):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="遥控器配对",
                             reported_at=NOW - dt.timedelta(hours=1))
    services.ticket_respond(actor=users.svc, ticket=t, note="电话指导", onsite_needed=False)
    services.ticket_resolve(actor=users.svc, ticket=t, resolution="远程解决")
    return Ticket.objects.get(pk=t.pk)


def test_close_records_the_customers_confirmation_who_when_how(users, key_account, client, frozen):
    from kam.audit.models import AuditEvent

    t = _resolved(users, key_account)
    client.force_login(users.svc)
    page = client.get(f"/service/tickets/{t.pk}/").content.decode()
    # the likely next step is the primary button; reopening is secondary and asks first
    assert re.search(r'<button class="btn" id="close-button">客户已确认，关闭</button>', page)
    assert re.search(r'<button class="btn secondary" id="reopen-button">', page)
    assert 'id="close-form" data-confirm-dialog=' in page and 'id="reopen-form" data-confirm-dialog=' in page
    url = f"/service/tickets/{t.pk}/close/"
    for data, label in [({"confirmed_by": " ", "confirmed_via": "phone"}, "客户确认人"),
                        ({"confirmed_by": "王经理", "confirmed_via": "fax"}, "确认方式"),
                        ({"confirmed_by": "王经理", "confirmed_via": "phone", "confirmed_at": "2026-12-01T12:00"},
                         "确认时间"),  # in the future
                        ({"confirmed_by": "王经理", "confirmed_via": "phone", "confirmed_at": "2026-11-30T12:00"},
                         "确认时间")]:  # before the resolution
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert f"「{label}」" in response.content.decode(), data
        assert 'value="王经理"' in response.content.decode() or data["confirmed_by"] == " "
    t.refresh_from_db()
    assert t.status == "resolved" and t.confirmed_by == ""
    response = client.post(url, {"confirmed_by": "前台经理 王女士", "confirmed_via": "wechat",
                                 "confirmed_at": "2026-12-01T09:58"}, follow=True)
    body = response.content.decode()
    assert "工单已关闭：客户方 前台经理 王女士 于 2026-12-01 09:58 通过微信/企业微信确认。" in body
    t.refresh_from_db()
    assert t.status == "closed" and t.confirmed_by == "前台经理 王女士" and t.confirmed_via == "wechat"
    assert t.confirmed_at == at(2026, 12, 1, 9, 58)
    event = AuditEvent.objects.filter(action="service.ticket.closed").latest("id")
    assert event.changes["confirmed_by"] == "前台经理 王女士" and event.changes["confirmed_via"] == "wechat"
    assert 'id="ticket-confirmation">前台经理 王女士 · 2026-12-01 09:58 · 微信/企业微信' in client.get(
        f"/service/tickets/{t.pk}/").content.decode()


def test_account_manager_closes_with_confirmation_but_does_not_work_the_ticket(users, key_account, client, frozen):
    t = _resolved(users, key_account)
    client.force_login(users.am1)
    page = client.get(f"/service/tickets/{t.pk}/").content.decode()
    assert 'id="close-form"' in page and 'id="reopen-form"' not in page
    assert client.post(f"/service/tickets/{t.pk}/close/", {"confirmed_by": "林董", "confirmed_via": "on_site"}
                       ).status_code == 302
    t.refresh_from_db()
    assert t.confirmed_via == "on_site" and t.confirmed_at == NOW


def test_close_through_the_api_requires_the_confirmation(users, key_account, client, frozen):
    t = _resolved(users, key_account)
    client.force_login(users.svc)
    url = f"/api/tickets/{t.pk}/transition"
    r = client.post(url, {"action": "close"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "confirmed_by"
    r = client.post(url, {"action": "close", "confirmed_by": "王经理"}, content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "confirmed_via"
    r = client.post(url, {"action": "close", "confirmed_by": "王经理", "confirmed_via": "letter"},
                    content_type="application/json")
    assert r.status_code == 422 and r.json()["field"] == "confirmed_via"
    r = client.post(url, {"action": "close", "confirmed_by": "王经理", "confirmed_via": "email"},
                    content_type="application/json")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "closed" and data["status_label"] == "已关闭"
    assert data["confirmed_by"] == "王经理" and data["confirmed_via"] == "email" and data["confirmed_at"]
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "phone = 电话" in schema["TransitionIn"]["properties"]["confirmed_via"]["description"]
    assert "customer_later_date = 客户要求改期" in schema["PauseIn"]["properties"]["reason"]["description"]


def _scheduled(users, key_account, **kw):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="会议桌电机失灵",
                             reported_at=NOW - dt.timedelta(hours=5))
    services.ticket_respond(actor=users.svc, ticket=t, note="安排技术员", onsite_needed=True)
    services.ticket_schedule(actor=users.svc, ticket=t, scheduled_for=NOW + dt.timedelta(hours=2), technician=users.svc)
    return Ticket.objects.get(pk=t.pk)


def test_a112_on_site_asks_for_the_actual_arrival_time_within_bounds(users, key_account, client, frozen):
    t = _scheduled(users, key_account)
    client.force_login(users.svc)
    page = client.get(f"/service/tickets/{t.pk}/").content.decode()
    assert 'type="datetime-local" name="at"' in page and 'value="2026-12-01T10:00"' in page  # defaults to now
    url = f"/service/tickets/{t.pk}/on-site/"
    for value in ("2026-12-01T04:00",  # before the customer's report
                  "2026-12-01T11:00",  # in the future
                  "2026-13-45T99:99"):  # not a time
        response = client.post(url, {"at": value})
        assert response.status_code == 400, value
        assert "「到达现场时间」" in response.content.decode(), value
    t.refresh_from_db()
    assert t.status == "scheduled" and t.on_site_at is None
    response = client.post(url, {"at": "2026-12-01T08:20"}, follow=True)
    body = response.content.decode()
    assert "已记录 2026-12-01 08:20 到达现场，上门时限已完成（提前 20 小时 40 分钟）（A11.2）。" in body
    t.refresh_from_db()
    assert t.on_site_at == at(2026, 12, 1, 8, 20) and t.status == "on_site"


def test_a112_arrival_before_a_running_pause_began_is_refused(users, key_account, frozen):
    t = _scheduled(users, key_account)
    services.ticket_pause(actor=users.svc, ticket=t, reason="customer_unavailable", at=NOW - dt.timedelta(hours=1))
    with pytest.raises(ApplicationError) as exc:
        services.ticket_on_site(actor=users.svc, ticket=t, at=NOW - dt.timedelta(hours=2))
    assert exc.value.field == "at" and exc.value.rule == "A11.2"
    services.ticket_on_site(actor=users.svc, ticket=t, at=NOW - dt.timedelta(minutes=10))
    assert t.pauses.get().ended_at == NOW - dt.timedelta(minutes=10)


def test_on_site_through_the_api_takes_the_time(users, key_account, client, frozen):
    t = _scheduled(users, key_account)
    client.force_login(users.svc)
    r = client.post(f"/api/tickets/{t.pk}/transition", {"action": "on_site", "at": "2026-12-02T10:00:00+08:00"},
                    content_type="application/json")
    assert r.status_code == 400 and r.json()["field"] == "at"
    r = client.post(f"/api/tickets/{t.pk}/transition", {"action": "on_site", "at": "2026-12-01T09:30:00+08:00"},
                    content_type="application/json")
    assert r.status_code == 200 and {c["rule"]: c["state"] for c in r.json()["clocks"]}["A11.2"] == "met"


def test_pause_and_resume_confirmations_name_the_reason_and_the_new_due_time(users, key_account, client, frozen):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="x", reported_at=NOW - dt.timedelta(hours=1))
    services.ticket_respond(actor=users.svc, ticket=t, note="x", onsite_needed=True)
    client.force_login(users.svc)
    body = client.post(f"/service/tickets/{t.pk}/pause/", {"reason": "customer_unavailable"}, follow=True
                       ).content.decode()
    assert "上门计时已暂停（客户不在/无法联系），恢复后继续计时（A11.2）。" in body
    body = client.post(f"/service/tickets/{t.pk}/resume/", follow=True).content.decode()
    assert "上门计时已恢复，上门时限截止" in body


def test_ticket_export_follows_the_lists_filters_in_chinese(users, key_account, client, frozen):
    import io

    from openpyxl import load_workbook

    open_one = services.ticket_open(actor=users.svc, customer=key_account("甲酒店"), problem="A")
    t = _resolved(users, key_account)
    services.ticket_close(actor=users.svc, ticket=t, confirmed_by="王经理", confirmed_via="phone")
    client.force_login(users.svc)
    response = client.get("/service/tickets/export.xlsx?status=open")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert open_one.number in cells and t.number not in cells and "新建" in cells and "new" not in cells
