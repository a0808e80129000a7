"""A12.1 / A12.2 / A8.1 cadences on the engine: period edges (G.2), tier changes, G.1 versions, states (G.4)."""

import datetime as dt

import pytest

from kam.obligations import engine
from tests.engagement.conftest import at

pytestmark = pytest.mark.django_db


def obligations(rule, now, **kw):
    return {o.period_key: o for o in engine.evaluate(now=now, rules=[rule], **kw)}


def test_a121_sunday_2330_counts_for_that_week_monday_0010_for_the_next(users, customer_factory, designate,
                                                                       log_contact):
    c = customer_factory("核心客户", manager=users.am1)
    designate(c, "core", since=at(2026, 10, 1))
    log_contact(c, dt.datetime(2026, 11, 15, 15, 30, tzinfo=dt.UTC))  # Sunday 23:30 Shanghai (W46)
    log_contact(c, dt.datetime(2026, 11, 15, 16, 10, tzinfo=dt.UTC))  # Monday 00:10 Shanghai (W47)
    obs = obligations("A12.1", at(2026, 11, 26, 10), customer_ids={c.pk})
    assert obs["2026-W46"].state == engine.MET and obs["2026-W46"].done == 1
    assert obs["2026-W47"].state == engine.MET and obs["2026-W47"].done == 1
    assert obs["2026-W45"].state == engine.BREACHED
    assert obs["2026-W48"].state == engine.UPCOMING  # Thursday: more than a quarter of the week left


def test_g4_due_soon_in_the_last_quarter_of_the_window(users, customer_factory, designate):
    c = customer_factory("核心客户", manager=users.am1)
    designate(c, "core", since=at(2026, 10, 1))
    # a week is 168 h; a quarter of it (42 h) remains from Saturday 06:00
    assert obligations("A12.1", at(2026, 11, 28, 5), customer_ids={c.pk})["2026-W48"].state == engine.UPCOMING
    assert obligations("A12.1", at(2026, 11, 28, 7), customer_ids={c.pk})["2026-W48"].state == engine.DUE_SOON


def test_a121_only_the_managers_phone_and_wechat_count_visits_too(users, customer_factory, designate, log_contact):
    c = customer_factory("普通客户", manager=users.am1)
    designate(c, "ordinary", since=at(2026, 10, 1))
    log_contact(c, at(2026, 11, 17, 10), kind="email")  # not a remote contact of A12.1
    log_contact(c, at(2026, 11, 17, 11), kind="phone", author=users.mkt)  # not the manager
    obs = obligations("A12.1", at(2026, 11, 26, 10), customer_ids={c.pk})
    assert obs["2026-F24"].done == 0  # fortnight W47-W48
    log_contact(c, at(2026, 11, 18, 11), kind="visit")
    assert obligations("A12.1", at(2026, 11, 26, 10), customer_ids={c.pk})["2026-F24"].state == engine.MET


def test_a122_tier_change_applies_from_the_next_period(users, customer_factory, designate):
    from kam.qualification.models import Designation, TierChange

    c = customer_factory("升级客户", manager=users.am1)
    d = designate(c, "ordinary", since=at(2026, 1, 1))
    TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=at(2026, 11, 10))
    Designation.objects.filter(pk=d.pk).update(tier="core")
    obs = obligations("A12.2", at(2026, 11, 26, 10), customer_ids={c.pk})
    assert "2026-11" not in obs  # November started as ordinary: judged by the quarter
    assert "2026-Q4" in obs
    obs = obligations("A12.2", at(2026, 12, 5, 10), customer_ids={c.pk})
    assert "2026-12" in obs and obs["2026-12"].required == 1


def test_a122_designated_mid_period_starts_with_the_next_full_period(users, customer_factory, designate):
    c = customer_factory("新认定", manager=users.am1)
    designate(c, "core", since=at(2026, 11, 10))
    obs = obligations("A12.2", at(2026, 11, 26, 10), customer_ids={c.pk})
    assert "2026-11" not in obs
    assert "2026-12" in obligations("A12.2", at(2026, 12, 2, 10), customer_ids={c.pk})


def test_month_and_quarter_ends(users, customer_factory, designate, log_contact):
    c = customer_factory("核心", manager=users.am1)
    designate(c, "core", since=at(2026, 1, 1))
    log_contact(c, at(2026, 9, 30, 23, 59), kind="visit")
    obs = obligations("A12.2", at(2026, 10, 2, 9), customer_ids={c.pk})
    assert obs["2026-09"].state == engine.MET
    assert obs["2026-10"].state == engine.UPCOMING


def test_g1_policy_change_mid_period_judges_each_period_under_its_starting_version(users, customer_factory,
                                                                                  designate, log_contact):
    from kam.policy import services as policy_services
    from kam.policy.schema import default_values
    from kam.policy.selectors import clear_cache

    c = customer_factory("核心", manager=users.am1)
    designate(c, "core", since=at(2026, 1, 1))
    values = default_values()
    values["cadence.core.remote"] = {"count": 2, "period": "week"}
    draft = policy_services.policy_version_draft(actor=users.head, values=values, note="每周两次")
    policy_services.policy_version_submit(actor=users.head, version=draft)
    policy_services.policy_version_publish(actor=users.mgmt, version=draft, effective_from=at(2026, 12, 2, 12))
    clear_cache()
    log_contact(c, at(2026, 11, 30, 10))  # Monday of W49: the week started under version 1
    log_contact(c, at(2026, 12, 8, 10))  # W50 started under version 2
    obs = obligations("A12.1", at(2026, 12, 10, 10), customer_ids={c.pk})
    assert obs["2026-W49"].required == 1 and obs["2026-W49"].state == engine.MET
    assert obs["2026-W50"].required == 2 and obs["2026-W50"].done == 1


def test_a81_head_of_sales_decision_maker_contact_per_quarter_for_core_only(users, customer_factory, designate,
                                                                           log_contact):
    core = customer_factory("核心", manager=users.am1)
    ordinary = customer_factory("普通", manager=users.am1)
    designate(core, "core", since=at(2026, 1, 1))
    designate(ordinary, "ordinary", since=at(2026, 1, 1))
    log_contact(core, at(2026, 10, 9, 10), author=users.am1, decision_maker=True)  # the manager: doesn't count
    obs = engine.evaluate(now=at(2026, 11, 26), rules=["A8.1"])
    assert {o.customer_id for o in obs} == {core.pk}
    q4 = [o for o in obs if o.period_key == "2026-Q4"][0]
    assert q4.state == engine.UPCOMING and q4.owner_role == "head_of_sales" and q4.escalation_role == "management"
    log_contact(core, at(2026, 11, 20, 10), author=users.head, decision_maker=True)
    q4 = [o for o in engine.evaluate(now=at(2026, 11, 26), rules=["A8.1"]) if o.period_key == "2026-Q4"][0]
    assert q4.state == engine.MET
    mine = engine.evaluate(now=at(2026, 11, 26), rules=["A8.1"], owner=users.head)
    assert mine and not engine.evaluate(now=at(2026, 11, 26), rules=["A8.1"], owner=users.am1)
