"""Occasions (A14.1): Spring Festival and Mid-Autumn from the lunar calendar, the company anniversary (29 February
on 28 February in non-leap years), decision makers' birthdays solar or lunar (leap months), occasions a manager
adds — listed `care.remind_days_before` days ahead on the account manager's "my day", met by a care action."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from kam.care import occasions as occ
from kam.care import services
from kam.care.models import CareAction
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.obligations.selectors import my_day
from kam.obligations.store import reflect
from tests.factories import ContactFactory, at

D = dt.date


# --- pure: the calendar of occasions ------------------------------------------------------------------------

def test_a141_festivals_from_the_lunar_calendar():
    days = occ.festivals(D(2026, 1, 1), D(2027, 12, 31))
    assert [(o.title, o.on) for o in days] == [("春节", D(2026, 2, 17)), ("中秋节", D(2026, 9, 25)),
                                               ("春节", D(2027, 2, 6)), ("中秋节", D(2027, 9, 15))]
    assert len({o.key for o in days}) == 4


def test_a141_lunar_birthday_eighth_month_fifteenth_is_2026_09_25():
    b = occ.Birthday(7, "林董", "lunar", 8, 15)
    (o,) = occ.birthdays(b, D(2026, 1, 1), D(2026, 12, 31))
    assert o.on == D(2026, 9, 25) and o.title == "林董生日（农历八月十五）" and o.contact_id == 7
    assert [x.on for x in occ.birthdays(b, D(2027, 1, 1), D(2027, 12, 31))] == [D(2027, 9, 15)]


def test_a141_lunar_birthday_in_a_leap_month_is_kept_in_the_regular_month():
    """Born in 闰六月 (2017 and 2025 have one): celebrated on 六月初十 every year, also in 2025 — not twice."""
    b = occ.Birthday(8, "陈总", "lunar", 6, 10, leap=True)
    assert [o.on for o in occ.birthdays(b, D(2025, 1, 1), D(2025, 12, 31))] == [D(2025, 7, 4)]
    assert [o.on for o in occ.birthdays(b, D(2026, 1, 1), D(2026, 12, 31))] == [D(2026, 7, 23)]
    (o,) = occ.birthdays(b, D(2026, 1, 1), D(2026, 12, 31))
    assert o.title == "陈总生日（农历闰六月初十）"


def test_a141_lunar_birthday_twice_in_one_solar_year_has_two_keys():
    """A lunar year is ~354 days: 冬月廿五 falls on 2027-01-02 and again on 2027-12-22."""
    days = occ.birthdays(occ.Birthday(9, "王总", "lunar", 11, 25), D(2027, 1, 1), D(2027, 12, 31))
    assert [o.on for o in days] == [D(2027, 1, 2), D(2027, 12, 22)] and days[0].key != days[1].key


def test_a141_company_anniversary_on_29_february_is_shown_on_28_february_in_non_leap_years():
    founded = D(2000, 2, 29)
    (o,) = occ.anniversaries(founded, D(2027, 1, 1), D(2027, 12, 31))
    assert o.on == D(2027, 2, 28) and o.title == "公司成立 27 周年"
    assert [x.on for x in occ.anniversaries(founded, D(2028, 1, 1), D(2028, 12, 31))] == [D(2028, 2, 29)]
    assert occ.anniversaries(D(2026, 5, 1), D(2026, 1, 1), D(2026, 12, 31)) == []  # no 0th anniversary


def test_a141_solar_birthday_and_added_occasions():
    (b,) = occ.birthdays(occ.Birthday(1, "李总", "solar", 2, 29), D(2026, 1, 1), D(2026, 12, 31))
    assert b.on == D(2026, 2, 28) and b.title == "李总生日"
    once = occ.CustomOccasion(3, "新酒店开业", D(2026, 10, 8), yearly=False)
    assert [o.on for o in occ.customs(once, D(2026, 1, 1), D(2027, 12, 31))] == [D(2026, 10, 8)]
    yearly = occ.CustomOccasion(4, "董事长就任纪念", D(2020, 3, 1), yearly=True)
    assert [o.on for o in occ.customs(yearly, D(2026, 1, 1), D(2027, 12, 31))] == [D(2026, 3, 1), D(2027, 3, 1)]


# --- pure: the clock rule's decisions (no database) ----------------------------------------------------------

def _rule_run(now, *, done=None, tier="core", manager_id=7, lead=None):
    from kam.care.clocks import AccountFacts, OccasionLoad, OccasionRule
    from tests.obligations.pure import DEFAULTS, one_version

    facts = OccasionLoad(first=D(2026, 9, 1), accounts=[AccountFacts(
        1, "华美酒店", manager_id, tier, D(2000, 2, 29), (occ.Birthday(5, "林董", "lunar", 8, 15),))],
        done=done or {})
    policy = DEFAULTS if lead is None else one_version({"care.remind_days_before": lead})
    return {(o.period_key, o.owner_id, o.owner_role): o for o in OccasionRule().evaluate(facts, timeline=policy, now=now)}


def test_a141_rule_lists_each_occasion_from_its_reminder_day():
    assert _rule_run(at(2026, 9, 17, 23, 59)) == {}  # 8 days before: nothing yet
    got = _rule_run(at(2026, 9, 18))
    assert set(got) == {("midautumn-0-20260925", 7, ""), ("bday-5-20260925", 7, ""),
                        ("bday-5-20260925:head", None, "head_of_sales")}
    o = got[("bday-5-20260925", 7, "")]
    assert o.state == "due_soon" and o.window_start == at(2026, 9, 18) and o.due_at == at(2026, 9, 25, 23, 59, 59)
    assert o.label == "华美酒店 · 林董生日（农历八月十五） 09-25" and not o.queue and not o.escalation_role
    assert _rule_run(at(2026, 9, 26))[("bday-5-20260925", 7, "")].state == "breached"
    met = _rule_run(at(2026, 9, 26), done={(1, "bday-5-20260925"): at(2026, 9, 25, 9)})
    assert met[("bday-5-20260925", 7, "")].state == "met" and met[("midautumn-0-20260925", 7, "")].state == "breached"


def test_a141_rule_reads_the_lead_from_the_policy_and_spares_the_head_for_ordinary_accounts():
    assert {k[0] for k in _rule_run(at(2026, 9, 11), lead=14)} == {"midautumn-0-20260925", "bday-5-20260925",
                                                                   "bday-5-20260925:head"}
    assert ("bday-5-20260925:head", None, "head_of_sales") not in _rule_run(at(2026, 9, 18), tier="ordinary")
    unmanaged = _rule_run(at(2026, 9, 18), manager_id=None)
    assert ("midautumn-0-20260925", None, "head_of_sales") in unmanaged


# --- the engine and my day ----------------------------------------------------------------------------------

@pytest.fixture
def world(users, key_account):
    a = key_account("华美酒店", manager=users.am1)
    a.founded_on = D(2000, 2, 29)
    a.save(update_fields=["founded_on"])
    boss = ContactFactory(customer=a, name="林董", is_decision_maker=True, birthday_kind="lunar", birthday_month=8,
                          birthday_day=15)
    ContactFactory(customer=a, name="前台", birthday_kind="solar", birthday_month=9, birthday_day=20)  # not a DM
    b = key_account("远景地产", city="广州", manager=users.am2)
    return {"a": a, "boss": boss, "b": b}


def _labels(day) -> list[str]:
    return [o.label for o in day.overdue + day.today + day.week if o.rule == "A14.1"]


@pytest.mark.django_db
def test_a141_lunar_birthday_0815_listed_on_my_day_seven_days_before_2026_09_25(users, world):
    before = at(2026, 9, 17, 23, 59)
    with time_machine.travel(before, tick=False):
        reflect(now=before, rules=["A14.1"])
        assert not [x for x in _labels(my_day(user=users.am1, now=before)) if "林董" in x]
    listed = at(2026, 9, 18, 0, 0)
    with time_machine.travel(listed, tick=False):
        reflect(now=listed, rules=["A14.1"])
        labels = _labels(my_day(user=users.am1, now=listed))
    assert "华美酒店 · 林董生日（农历八月十五） 09-25" in labels
    assert "华美酒店 · 中秋节 09-25" in labels
    assert not [x for x in labels if "前台" in x]  # only decision makers' birthdays (A14.1)
    assert not [x for x in _labels(my_day(user=users.am2, now=listed)) if "华美酒店" in x]
    # the head of sales also sees a core account's decision maker's birthday, not the festivals
    head = _labels(my_day(user=users.head, now=listed))
    assert "华美酒店 · 林董生日（农历八月十五） 09-25" in head and "华美酒店 · 中秋节 09-25" not in head


@pytest.mark.django_db
def test_a141_the_lead_is_the_policy_setting(users, world):
    from kam.policy import services as policy
    from tests.policy.helpers import values

    with time_machine.travel(at(2026, 9, 1, 8), tick=False):
        draft = policy.policy_version_draft(actor=users.head, note="提前 14 天", values=values({
            "care.remind_days_before": 14}))
        policy.policy_version_submit(actor=users.head, version=draft)
        policy.policy_version_publish(actor=users.mgmt, version=draft, effective_from=at(2026, 9, 1))
    now = at(2026, 9, 11, 9)
    with time_machine.travel(now, tick=False):
        reflect(now=now, rules=["A14.1"])
        assert "华美酒店 · 中秋节 09-25" in _labels(my_day(user=users.am1, now=now))


@pytest.mark.django_db
def test_a141_29_february_anniversary_listed_before_28_february_2027(users, world):
    now = at(2027, 2, 21, 9)
    with time_machine.travel(now, tick=False):
        reflect(now=now, rules=["A14.1"])
        assert "华美酒店 · 公司成立 27 周年 02-28" in _labels(my_day(user=users.am1, now=now))


@pytest.mark.django_db
def test_a141_a_care_action_meets_the_reminder(users, world):
    now = at(2026, 9, 20, 10)
    key = f"bday-{world['boss'].pk}-20260925"
    with time_machine.travel(now, tick=False):
        reflect(now=now, rules=["A14.1"])
        with pytest.raises(ApplicationError) as bad:
            services.care_action_record(actor=users.am1, customer=world["a"], key=key, kind="greeting",
                                        channel="wechat", text="")
        assert bad.value.field == "text"
        with pytest.raises(ApplicationError):
            services.care_action_record(actor=users.am1, customer=world["a"], key=key, kind="none")  # no reason
        with pytest.raises(AccessDenied):
            services.care_action_record(actor=users.am2, customer=world["a"], key=key, kind="none", reason="x")
        with pytest.raises(ApplicationError):  # an occasion not listed yet
            services.care_action_record(actor=users.am1, customer=world["a"], key="spring-0-20270206",
                                        kind="none", reason="x")
        action = services.care_action_record(actor=users.am1, customer=world["a"], key=key, kind="greeting",
                                             channel="wechat", text="林董生日快乐，中秋阖家团圆！")
        assert action.occasion_on == D(2026, 9, 25) and action.contact == world["boss"]
        day = my_day(user=users.am1, now=now)
        assert "华美酒店 · 林董生日（农历八月十五） 09-25" not in _labels(day)
        assert any(o.label.startswith("华美酒店 · 林董生日") for o in day.done)
        with pytest.raises(InvalidTransition):
            services.care_action_record(actor=users.am1, customer=world["a"], key=key, kind="none", reason="x")
    assert CareAction.objects.count() == 1


@pytest.mark.django_db
def test_a141_a_gift_as_the_care_action_comes_from_the_register(users, world):
    now = at(2026, 9, 20, 10)
    with time_machine.travel(now, tick=False):
        gift = services.gift_register(actor=users.am1, customer=world["a"], recipient=world["boss"],
                                      item="定制月饼礼盒", category="food", quantity=1, unit_value="168.00")
        with pytest.raises(ApplicationError) as bad:
            services.care_action_record(actor=users.am1, customer=world["a"], key="midautumn-0-20260925",
                                        kind="gift")
        assert bad.value.field == "gift"
        action = services.care_action_record(actor=users.am1, customer=world["a"], key="midautumn-0-20260925",
                                             kind="gift", gift=gift)
    assert action.gift == gift


@pytest.mark.django_db
def test_a141_an_added_occasion_is_listed(users, world):
    now = at(2026, 10, 1, 9)
    with time_machine.travel(now, tick=False):
        services.occasion_add(actor=users.am1, customer=world["a"], title="南海新店开业", on=D(2026, 10, 8))
        with pytest.raises(AccessDenied):
            services.occasion_add(actor=users.am2, customer=world["a"], title="x", on=D(2026, 10, 8))
        with pytest.raises(ApplicationError):
            services.occasion_add(actor=users.am1, customer=world["a"], title="过去的事", on=D(2026, 9, 1))
        assert "华美酒店 · 南海新店开业 10-08" in _labels(my_day(user=users.am1, now=now))
