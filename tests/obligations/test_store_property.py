"""Issue 11: the stored obligations equal a fresh evaluation of the engine after every kind of write and after
every sweep — a property over random sequences of contacts, visits, tier changes, policy versions and clock
advances (the clock is moved with time-machine; writes go through the services, which reflect their subjects
in their transaction; a clock advance is followed by the sweep's reconcile)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from kam.obligations import engine, store
from kam.obligations.models import State, StoredObligation

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 9, 7, 10, 0, tzinfo=SHANGHAI)  # a Monday

actions = st.lists(st.one_of(
    st.tuples(st.just("contact"), st.integers(0, 2), st.sampled_from(["phone", "wechat"]), st.integers(0, 3000)),
    st.tuples(st.just("visit"), st.integers(0, 2), st.integers(1, 20)),
    st.tuples(st.just("record"), st.integers(0, 2)),
    st.tuples(st.just("tier"), st.integers(0, 2), st.sampled_from(["core", "ordinary"])),
    st.tuples(st.just("end"), st.integers(0, 2)),
    st.tuples(st.just("policy"), st.sampled_from([1, 2]), st.sampled_from(["week", "fortnight", "month"])),
    st.tuples(st.just("advance"), st.integers(1, 240)),
), min_size=1, max_size=12)


def _engine_answer(now):
    return {o.key: o.state for o in engine.evaluate(now=now)}


def _table():
    return {r.key: r.state for r in StoredObligation.objects.filter(live=True).exclude(state=State.OBSOLETE)}


class StoredEqualsEngine(TestCase):
    """The property, one Hypothesis example per database transaction (hypothesis.extra.django.TestCase)."""

    def _world(self):
        from kam.customers.services import customer_assign_manager, customer_create
        from kam.customers.validators import make_credit_code
        from kam.qualification.models import Designation, TierChange
        from kam.users.models import Role, RoleGrant, User

        head = User.objects.create_user(username="head", password="pw-kam-2026")
        RoleGrant.objects.create(user=head, role=Role.HEAD_OF_SALES)
        mgmt = User.objects.create_user(username="mgmt", password="pw-kam-2026")
        RoleGrant.objects.create(user=mgmt, role=Role.MANAGEMENT)
        am = User.objects.create_user(username="am1", password="pw-kam-2026")
        RoleGrant.objects.create(user=am, role=Role.ACCOUNT_MANAGER)
        accounts = []
        for i in range(3):
            c = customer_create(actor=None, name=f"客户{i}", credit_code=make_credit_code(f"91440600{i:09d}"),
                                customer_type="hotel", city="佛山")
            customer_assign_manager(actor=None, customer=c, manager=am, reason="test")
            d = Designation.objects.create(customer=c, source="initial_list", tier="core",
                                           started_at=START - dt.timedelta(days=120))
            TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=d.started_at)
            c.refresh_from_db()
            accounts.append(c)
        store.reconcile_all(backfill=True)
        return head, mgmt, am, accounts

    def _step(self, action, head, mgmt, am, accounts, traveller):
        from django.utils import timezone

        from kam.engagement import services as eng
        from kam.policy import services as pol
        from kam.policy.schema import default_values
        from kam.policy.selectors import latest_published_version
        from kam.qualification.models import Designation, TierChange

        now = timezone.now()
        kind = action[0]
        if kind == "contact":
            _k, i, how, minutes_ago = action
            eng.contact_log_create(actor=am, customer=accounts[i], at=now - dt.timedelta(minutes=minutes_ago),
                                   kind=how, summary="沟通")
        elif kind == "visit":
            _k, i, days = action
            start = now + dt.timedelta(days=days)
            eng.visit_book(actor=am, customer=accounts[i], starts_at=start, ends_at=start + dt.timedelta(hours=1),
                           purpose="拜访", override_reason="测试")
        elif kind == "record":
            from kam.engagement.models import Visit

            visit = Visit.objects.filter(customer=accounts[action[1]], recorded_at__isnull=True,
                                         status__in=["booked", "confirmed"], ends_at__lte=now).first()
            if visit is not None:
                eng.visit_record(actor=am, visit=visit, purchase_plans="计划", usage_problems="无", suggestions="无")
        elif kind == "tier":
            _k, i, tier = action
            d = Designation.objects.filter(customer=accounts[i], ended_at__isnull=True).first()
            if d is not None and d.tier != tier:
                d.tier = tier
                d.save(update_fields=["tier"])
                TierChange.objects.create(customer=accounts[i], designation=d, tier=tier, effective_at=now)
                store.reflect(customer_ids={accounts[i].pk})  # as tiers_recompute does
        elif kind == "end":
            d = Designation.objects.filter(customer=accounts[action[1]], ended_at__isnull=True).first()
            if d is not None:
                d.ended_at, d.end_reason = now, "测试"
                d.save(update_fields=["ended_at", "end_reason"])
                store.reflect(customer_ids={accounts[action[1]].pk})  # as the approval of a removal does
        elif kind == "policy":
            _k, count, period = action
            values = default_values() if latest_published_version() is None else dict(latest_published_version().values)
            values["cadence.core.remote"] = {"count": count, "period": period}
            base = latest_published_version()
            if base is not None and base.values.get("cadence.core.remote") == values["cadence.core.remote"]:
                return
            version = pol.policy_version_draft(actor=head, values=values, note="测试")
            pol.policy_version_submit(actor=head, version=version)
            pol.policy_version_publish(actor=mgmt, version=version, effective_from=now)
        elif kind == "advance":
            traveller.shift(dt.timedelta(hours=action[1]))
            store.reconcile_all()  # the sweep

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(actions)
    def test_g1_a12_a13_table_equals_engine_after_each_step(self, steps):
        from django.utils import timezone

        with time_machine.travel(START, tick=False) as traveller:
            head, mgmt, am, accounts = self._world()
            assert _table() == _engine_answer(timezone.now())
            for action in steps:
                self._step(action, head, mgmt, am, accounts, traveller)
                assert _table() == _engine_answer(timezone.now()), action
