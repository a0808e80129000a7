"""Issue 13: the audit page speaks the user's language, through the shared list component (sorting, filters
in the URL, saved views, columns)."""

import pytest

from kam.core.models import SavedView

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(users, customer_factory):
    from django.utils import timezone

    from kam.demands import services as demands
    from tests.obligations.test_pages import _designate

    c = customer_factory("华美酒店", manager=users.am1)
    _designate(c)
    req = demands.request_log(actor=users.am1, customer=c, kind="customisation", channel="phone",
                              summary="定制尺寸", received_at=timezone.now())
    demands.request_respond(actor=users.am1, request=req, response="已收到")
    return c, req


def test_audit_events_are_readable_sentences_with_field_labels(users, history, client):
    client.force_login(users.mgmt)
    body = client.get("/audit/").content.decode()
    assert "登记了客户需求" in body and "响应了客户需求" in body
    assert "demands.request.logged" not in body  # no action codes for translated actions
    assert "{&#x27;" not in body and "{'" not in body  # no Python dicts
    assert "新建了客户" in body and "客户名称" in body  # field labels, not field names


def test_list_filters_sort_columns_and_saved_views_survive_a_reload(users, history, client):
    client.force_login(users.mgmt)
    body = client.get("/audit/?who=am1&sort=at").content.decode()
    assert "登记了客户需求" in body and "新建了客户" not in body  # the customer was created by the system
    assert 'class="sort asc"' in body
    r = client.post("/lists/views/", {"list_name": "confidentiality.audit", "name": "客户经理的操作",
                                      "query": "who=am1&sort=at&page=3", "next": "/audit/"})
    view = SavedView.objects.get(user=users.mgmt, name="客户经理的操作")
    assert view.query == "who=am1&sort=at" and r["Location"] == f"/audit/?view={view.pk}"
    again = client.get(r["Location"]).content.decode()
    assert "登记了客户需求" in again and "新建了客户" not in again and "客户经理的操作" in again
    # another user's saved view is not applied
    client.force_login(users.head)
    assert SavedView.objects.filter(user=users.head).count() == 0
    # choose columns: only time and action
    client.force_login(users.mgmt)
    body = client.get("/audit/?col=at&col=action").content.decode()
    assert ">IP<" not in body and "操作" in body
    # garbage in the URL is ignored, not sent to the database
    assert client.get("/audit/?sort=password&since=9999-99-99&page=abc").status_code == 200


def test_saved_view_delete_only_own(users, client):
    view = SavedView.objects.create(user=users.head, list_name="confidentiality.audit", name="x", query="")
    client.force_login(users.mgmt)
    assert client.post(f"/lists/views/{view.pk}/delete/").status_code == 404
    client.force_login(users.head)
    client.post(f"/lists/views/{view.pk}/delete/")
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_values_and_keys_outside_model_fields_read_in_chinese(users, history, client):
    """Issue 13: what the audit stores beside model fields reads in Chinese too — a relation's label, a value of an
    enumeration stored outside its field (a pause reason, an approver role), an approval's subject, the demo's
    counts, an import kind — and no audit row of the page shows an identifier with `_` or `.`."""
    from kam.audit.services import audit_log
    from kam.confidentiality import readable
    from tests.core.untranslated import untranslated_in_html

    assert readable.action_label("service.ticket.scheduled") == ("预约了上门：售后工单", True)
    assert readable.action_label("exchange.import.invoices") == ("导入了发票", True)
    assert readable.field_label("demands.customerrequest", "customer") == "客户"
    changes = {"reason": "customer_later_date", "approver_role": "head_of_sales", "subject": "demands.customerrequest:3",
               "order_lines": 12, "channels": ["phone", "wechat"]}
    shown = {c.field: c.new for c in readable.readable_changes("service.ticket", changes, frozenset())}
    assert shown == {"原因": "客户要求改期", "审批角色": "销售部负责人", "审批事项": "客户需求 #3", "订单明细": "12",
                     "联系方式": "电话、微信/企业微信"}
    audit_log(actor=None, action="demo.loaded", changes={"floor_prices": 3, "cancelled_orders": 1})
    audit_log(actor=users.svc, action="service.ticket.scheduled", target_repr="SH-1",
              changes={"reason": "customer_later_date", "later_date": "2026-12-07"})
    client.force_login(users.mgmt)
    body = client.get("/audit/").content.decode()
    assert "底价：3" in body and "已取消订单：1" in body and "客户要求改期" in body and "改约日期" in body
    assert untranslated_in_html(body) == []
