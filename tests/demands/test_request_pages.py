"""The request pages (A15, issue 13): the list through the shared list component — due time from the A15.1
clocks, countdown and state, sorted by due by default, filters in the URL, query count flat; specific
confirmations; the primary button is the likely next step; enumeration values in Chinese on the pages, the
export and the API."""

from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.demands import services
from tests.service.conftest import at

pytestmark = pytest.mark.django_db

NOW = at(2026, 12, 1, 10, 0)  # a Tuesday, working hours 09:00–18:00 (A15.1 default, G.3)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _n(client, url) -> tuple[int, str]:
    from django.core.cache import cache

    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(ctx.captured_queries), response.content.decode()


def _rows(body: str) -> list[str]:
    table = body[body.index('id="requests"'):]
    return re.findall(r'<a href="/requests/\d+/">([^<]+)</a>', table)


def _log(users, customer, summary, received, kind="customisation"):
    return services.request_log(actor=users.am1, customer=customer, kind=kind, channel="phone", summary=summary,
                                received_at=received)


def test_a151_request_list_sorted_by_due_with_countdown_and_filters(users, key_account, client, frozen):
    a, b, c = key_account("甲酒店"), key_account("乙酒店"), key_account("丙酒店")
    _log(users, a, "新需求", NOW - dt.timedelta(minutes=25))  # response due 10:35
    _log(users, b, "逾期需求", at(2026, 11, 30, 9, 0), kind="delivery_change")  # response due 11-30 10:00
    answered = _log(users, c, "已响应需求", at(2026, 11, 30, 16, 0))
    services.request_respond(actor=users.am1, request=answered, response="收到")  # solution due 12-02 16:00
    done = _log(users, c, "已关闭需求", NOW - dt.timedelta(hours=1), kind="other")
    services.request_record_outcome(actor=users.am1, request=done, outcome="已寄送")
    services.request_feedback(actor=users.am1, request=done, to_person="王经理", how="phone", at=NOW)
    services.request_close(actor=users.am1, request=done)
    services.request_escalate(actor=users.am1, request=answered, note="需要市场部")
    services.request_assign(actor=users.head, request=answered, department="marketing", assignee=users.mkt)
    client.force_login(users.head)
    _q, body = _n(client, "/requests/")
    assert _rows(body) == ["逾期需求", "新需求", "已响应需求", "已关闭需求"]
    assert "已超时" in body and "剩余 35 分钟" in body and "首次响应" in body and "初步方案" in body
    assert "市场部 · mkt" in body and "已关闭" in body
    assert _rows(_n(client, "/requests/?overdue=1")[1]) == ["逾期需求"]
    assert _rows(_n(client, "/requests/?department=marketing")[1]) == ["已响应需求"]
    assert _rows(_n(client, "/requests/?kind=delivery_change")[1]) == ["逾期需求"]
    assert _rows(_n(client, "/requests/?status=open")[1]) == ["逾期需求", "新需求", "已响应需求"]
    assert _rows(_n(client, "/requests/?" + urlencode({"customer": "丙"}))[1]) == ["已响应需求", "已关闭需求"]
    assert len(_rows(_n(client, "/requests/?department=legal&kind=gift&overdue=x&sort=zzz")[1])) == 4
    client.force_login(users.am2)  # another manager sees none of am1's accounts' requests
    assert _rows(_n(client, "/requests/")[1]) == []


def test_request_list_query_count_flat(users, key_account, client, frozen):
    for i in range(2):
        _log(users, key_account(f"甲{i}"), f"需求{i}", NOW - dt.timedelta(minutes=i))
    client.force_login(users.head)
    small, _ = _n(client, "/requests/")
    for i in range(15):
        req = _log(users, key_account(f"乙{i}"), f"更多需求{i}", NOW - dt.timedelta(minutes=i))
        if i % 3 == 0:
            services.request_escalate(actor=users.am1, request=req, note="需要售后")
            services.request_assign(actor=users.head, request=req, department="after_sales", assignee=users.svc)
    assert _n(client, "/requests/")[0] == small
    assert _n(client, "/requests/?status=open&sort=-customer")[0] == small


def test_a151_confirmations_name_the_clock_and_the_next_step(users, key_account, client, frozen):
    req = _log(users, key_account(), "客房衣柜加高", NOW - dt.timedelta(minutes=25))
    client.force_login(users.am1)
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert re.search(r'<button class="btn">响应</button>', page)  # the next step is the primary button
    assert re.search(r'<button class="btn secondary">提出初步方案</button>', page)
    body = client.post(f"/requests/{req.pk}/respond/", {"text": "已收到，评估中"}, follow=True).content.decode()
    assert "已记录首次响应，首次响应时限已完成（提前 35 分钟）（A15.1）。" in body
    assert "下一步：提出初步方案，初步方案时限截止 12-03 15:35（剩余 2 天 5 小时）。" in body  # 24 working hours
    assert re.search(r'<button class="btn">提出初步方案</button>', body)
    body = client.post(f"/requests/{req.pk}/solution/", {"text": "加高方案"}, follow=True).content.decode()
    assert "已记录初步方案，初步方案时限已完成（提前 2 天 5 小时）（A15.1）" in body
    body = client.post(f"/requests/{req.pk}/outcome/", {"text": "已生产"}, follow=True).content.decode()
    assert "已记录处理结果。下一步：告知客户并记录反馈" in body
    assert re.search(r'<button class="btn">记录反馈</button>', body)
    body = client.post(f"/requests/{req.pk}/feedback/", {"to_person": "王经理", "how": "wechat",
                                                         "at": "2026-12-01T09:50"}, follow=True).content.decode()
    assert "已记录 2026-12-01 09:50 通过微信/企业微信告知 王经理。现在可以关闭需求（A15.2）。" in body
    assert re.search(r'<button class="btn" id="close-button">已反馈客户，关闭需求</button>', body)
    assert 'id="close-form" data-confirm-dialog=' in body
    body = client.post(f"/requests/{req.pk}/close/", follow=True).content.decode()
    assert "需求已关闭（2026-12-01 10:00）" in body and "已更新" not in body


def test_a152_escalation_and_assignment_confirmations(users, key_account, client, frozen):
    req = _log(users, key_account(), "定制前台", NOW - dt.timedelta(minutes=5))
    client.force_login(users.am1)
    body = client.post(f"/requests/{req.pk}/escalate/", {"text": "需要市场部设计"}, follow=True).content.decode()
    assert "已升级给销售部负责人，等待指派部门和负责人（A15.2）" in body
    client.force_login(users.head)
    page = client.get(f"/requests/{req.pk}/").content.decode()
    assert re.search(r'<button class="btn">指派</button>', page)
    body = client.post(f"/requests/{req.pk}/assign/", {"department": "marketing", "assignee": users.mkt.pk},
                       follow=True).content.decode()
    assert "已指派给市场部 mkt，对方已收到通知（A15.2）。" in body


def test_repair_request_confirmation_names_the_ticket(users, key_account, client, frozen):
    c = key_account()
    client.force_login(users.am1)
    form = client.get("/requests/new/").content.decode()
    select = form[form.index('name="customer"'):form.index("</select>")]
    assert "请选择客户" in select and f'value="{c.pk}" selected' not in select
    body = client.post("/requests/new/", {"customer": c.pk, "kind": "repair", "channel": "phone",
                                          "summary": "床头灯不亮", "received_at": ""}, follow=True).content.decode()
    assert "需求已登记，首次响应时限截止" in body and "维修需求已同时建立售后工单 SH" in body


def test_enumerations_in_chinese_on_the_api_and_the_export(users, key_account, client, frozen):
    from openpyxl import load_workbook

    req = _log(users, key_account(), "定制前台", NOW - dt.timedelta(minutes=5))
    services.request_escalate(actor=users.am1, request=req, note="需要售后")
    services.request_assign(actor=users.head, request=req, department="after_sales", assignee=users.svc)
    client.force_login(users.head)
    data = client.get(f"/api/requests/{req.pk}").json()
    assert data["kind_label"] == "定制" and data["channel_label"] == "电话" and data["status_label"] == "部门处理中"
    assert data["department"] == "after_sales" and data["department_label"] == "售后服务部"
    listed = client.get("/api/requests/").json()["items"][0]
    assert listed["department_label"] == "售后服务部" and listed["due_at"]
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert "after_sales = 售后服务部" in schema["RequestAssignIn"]["properties"]["department"]["description"]
    assert "customisation = 定制" in schema["RequestIn"]["properties"]["kind"]["description"]
    response = client.get("/requests/export.xlsx?department=after_sales")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    cells = [str(c.value) for row in load_workbook(io.BytesIO(content)).active.iter_rows() for c in row if c.value]
    assert "售后服务部" in cells and "定制" in cells and "电话" in cells
    assert not {"after_sales", "customisation", "phone", "assigned"} & set(cells)
