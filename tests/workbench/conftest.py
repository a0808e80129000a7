"""A constructed dataset for the home pages (issue 13): key accounts of two managers with contact logs, orders
this year and last, open tickets and requests; requests escalated to the head of sales and assigned to marketing
and finance (department queues); a policy version waiting for management."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

SH = ZoneInfo("Asia/Shanghai")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def designate(customer, tier: str) -> None:
    from kam.obligations.store import reflect
    from kam.qualification.models import Designation, TierChange

    d = Designation.objects.create(customer=customer, source="initial_list", tier=tier, started_at=at(2026, 1, 1))
    TierChange.objects.create(customer=customer, designation=d, tier=tier, effective_at=at(2026, 1, 1))
    reflect(customer_ids={customer.pk})  # as the approval that designates it does


@pytest.fixture
def home_data(users, customer_factory):
    """`add(n)` gives each of am1 and am2 n more key accounts with their activity; `extras()` adds the
    escalations, department assignments and the policy version waiting (once)."""
    from kam.demands import services as demands
    from kam.engagement import services as engagement
    from kam.orders.services import LineIn, order_create
    from kam.service import services as service

    counter = {"n": 0}

    def add(n: int) -> None:
        now = timezone.now()
        today = timezone.localdate(now)
        for manager in (users.am1, users.am2):
            for _i in range(n):
                counter["n"] += 1
                k = counter["n"]
                c = customer_factory(f"首页测试客户{k:03d}", manager=manager)
                designate(c, "core" if k % 2 else "ordinary")
                engagement.contact_log_create(actor=manager, customer=c, at=now - dt.timedelta(days=3),
                                              kind="phone", summary="例行沟通")
                for year, number in ((today.year, f"SO{k:04d}A"), (today.year - 1, f"SO{k:04d}B")):
                    order_create(actor=None, customer=c, number=number, order_date=dt.date(year, 3, 1), lines=[
                        LineIn("沙发", "S1", Decimal("2"), Decimal("50000.00"))])
                service.ticket_open(actor=manager, customer=c, problem="抽屉滑轨异响", site_city="佛山",
                                    reported_at=now - dt.timedelta(hours=2))
                demands.request_log(actor=manager, customer=c, kind="customisation", channel="phone",
                                    summary="衣柜加高 10 厘米")

    def extras() -> None:
        from kam.customers.models import Customer
        from kam.policy import services as ps
        from kam.policy.schema import default_values

        customer = Customer.objects.filter(account_manager=users.am1).order_by("id").first()
        requests = [demands.request_log(actor=users.am1, customer=customer, kind="delivery_change", channel="phone",
                                        summary=f"跨部门事项 {i}") for i in range(3)]
        for req in requests:
            demands.request_escalate(actor=users.am1, request=req, note="需要其他部门处理")
        demands.request_assign(actor=users.head, request=requests[1], department="marketing", assignee=users.mkt)
        demands.request_assign(actor=users.head, request=requests[2], department="finance", assignee=users.fin)
        values = default_values()
        values["service.clock_mode"] = "working"  # any change: a draft equal to the policy in force is refused
        draft = ps.policy_version_draft(actor=users.head, values=values, note="年度调整")
        ps.policy_version_submit(actor=users.head, version=draft)

    class Data:
        pass

    data = Data()
    data.add = add
    data.extras = extras
    return data
