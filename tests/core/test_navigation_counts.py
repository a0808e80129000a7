"""Issue 11: the navigation's counters (the inbox's unread count, the department queues, the approvals waiting)
are counted together — one query for the whole menu on every page — and each equals its own count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.core import navigation

pytestmark = pytest.mark.django_db


def test_menu_counts_equal_the_counts_and_take_one_query(users, key_account):
    from kam.demands.models import CustomerRequest
    from kam.demands.services import request_assign, request_escalate, request_log
    from kam.notify.models import Notification
    from kam.notify.services import unread_count
    from kam.service.models import Ticket
    from kam.service.services import ticket_open

    c = key_account("华美酒店")
    for i in range(3):
        ticket_open(actor=users.svc, customer=c, problem=f"问题 {i}", reported_at=timezone.now() - dt.timedelta(hours=i))
    req = request_log(actor=users.am1, customer=c, kind="customisation", channel="phone", summary="定制")
    req = request_escalate(actor=users.am1, request=req, note="需要售后")
    request_assign(actor=users.head, request=req, department="after_sales", assignee=users.svc)
    Notification.objects.create(recipient=users.svc, title="测试", body="", dedupe_key="test:nav")
    keys = ["inbox", "queue:after_sales", "queue:marketing", "approvals"]
    navigation.counts(keys, user=users.svc)  # warm: nothing cached that matters, the same path
    with CaptureQueriesContext(connection) as ctx:
        totals = navigation.counts(keys, user=users.svc)
    assert len(ctx.captured_queries) == 1
    unread = unread_count(user=users.svc)
    assert unread >= 1 and totals["inbox"] == unread
    open_tickets = Ticket.objects.exclude(status__in=["resolved", "closed"]).count()
    assigned = CustomerRequest.objects.filter(department="after_sales").exclude(status__in=["solved", "closed"]).count()
    assert (open_tickets, assigned) == (3, 1)
    assert totals["queue:after_sales"] == open_tickets + assigned
    assert totals["queue:marketing"] == 0
    menu, counts = navigation.menu_and_counts(users.svc, "/", extra_counts=("inbox",))
    assert counts["inbox"] == unread
    assert any(item["count"] == open_tickets + assigned for group in menu for item in group["items"])
