"""A14.1 (the rest of the occasions): the company's holiday list, encrypted birthdays, the customs note (礼仪与忌讳)
beside each occasion, occasions on the visit calendar, its ICS feed and the daily digest for the people allowed to
see them only, and the head of sales' monthly overview whose counts equal the records."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection

from kam.care.models import CareAction, CompanyHoliday
from kam.obligations.store import reflect
from tests.factories import ContactFactory, at

pytestmark = pytest.mark.django_db
NOW = at(2026, 9, 18, 10)  # a Friday; 林董's lunar birthday 八月十五 is 2026-09-25, listed from today (7 days)


@pytest.fixture
def world(users, key_account):
    with time_machine.travel(NOW, tick=False):
        a = key_account("华美酒店", manager=users.am1)
        boss = ContactFactory(customer=a, name="林董", is_decision_maker=True, birthday_kind="lunar",
                              birthday_month=8, birthday_day=15, customs_note="素食，不饮酒")
        a.pref_customs = "忌送钟表"
        a.save(update_fields=["pref_customs"])
        b = key_account("远景地产", city="广州", manager=users.am2)
        other = ContactFactory(customer=b, name="陈总", is_decision_maker=True, birthday_kind="solar",
                               birthday_month=9, birthday_day=22)
        reflect(now=NOW, rules=["A14.1"])
        yield {"a": a, "boss": boss, "b": b, "other": other, "key": f"bday-{boss.pk}-20260925"}


@pytest.fixture
def frozen(world):
    with time_machine.travel(NOW, tick=False):
        yield NOW


def test_a141_default_company_holidays_from_the_data_migration():
    rows = {h.name: (h.calendar, h.month, h.day, h.active) for h in CompanyHoliday.objects.all()}
    assert rows == {"元旦": ("solar", 1, 1, True), "端午节": ("lunar", 5, 5, True), "国庆节": ("solar", 10, 1, True)}


def test_a141_company_holiday_list_entries_produce_occasions_for_every_key_account(users, world, frozen):
    from kam.care.occasion_selectors import occasions_for
    from kam.care.occasion_services import holiday_add, holiday_update
    from kam.core.errors import AccessDenied
    from kam.obligations.models import StoredObligation

    with pytest.raises(AccessDenied):
        holiday_add(actor=users.am1, name="教师节", calendar="solar", month=9, day=10)
    teachers = holiday_add(actor=users.head, name="重阳节", calendar="lunar", month=9, day=9)
    # 国庆 (solar 10/1), 端午 (lunar 5/5 → 2027-06-09), 重阳 (lunar 9/9 → 2026-10-18) for am1's and am2's accounts
    autumn = occasions_for(user=users.head, first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 31), everyone=True)
    assert {(r.customer_name, r.title, r.on) for r in autumn if r.kind == "festival"} >= {
        ("华美酒店", "国庆节", dt.date(2026, 10, 1)), ("远景地产", "国庆节", dt.date(2026, 10, 1)),
        ("华美酒店", "重阳节", dt.date(2026, 10, 18)), ("远景地产", "重阳节", dt.date(2026, 10, 18))}
    summer = occasions_for(user=users.am1, first=dt.date(2027, 6, 1), last=dt.date(2027, 6, 30))
    assert [(r.title, r.on) for r in summer if r.title == "端午节"] == [("端午节", dt.date(2027, 6, 9))]
    # listed on "my day" by the engine 7 days ahead, like Spring Festival
    with time_machine.travel(at(2026, 9, 25, 10), tick=False):
        reflect(now=at(2026, 9, 25, 10), rules=["A14.1"])
        listed = StoredObligation.objects.filter(rule="A14.1", live=True, owner=users.am1)
        assert listed.filter(label="华美酒店 · 国庆节 10-01").exists()
    # made inactive: no longer an occasion
    holiday_update(actor=users.admin, holiday=teachers, name="重阳节", calendar="lunar", month=9, day=9,
                   active=False)
    autumn = occasions_for(user=users.am1, first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 31))
    assert not [r for r in autumn if r.title == "重阳节"]


def test_a141_holiday_page_kept_by_head_and_administrator_with_audit(users, world, client, frozen):
    from kam.audit.models import AuditEvent
    from kam.confidentiality.readable import action_label

    client.force_login(users.am1)
    assert client.get("/care/holidays/").status_code == 403
    client.force_login(users.head)
    bad = client.post("/care/holidays/", {"name": "教师节", "calendar": "solar", "month": "2", "day": "30"})
    assert bad.status_code == 400 and "「日」应为 1–29" in bad.content.decode() and 'value="教师节"' in bad.content.decode()
    done = client.post("/care/holidays/", {"name": "教师节", "calendar": "solar", "month": "9", "day": "10",
                                            "active": "on"}, follow=True)
    assert "已添加公司节日「教师节」（公历 9月10日）" in done.content.decode()
    holiday = CompanyHoliday.objects.get(name="教师节")
    client.force_login(users.admin)
    saved = client.post(f"/care/holidays/{holiday.pk}/", {"name": "教师节", "calendar": "solar", "month": "9",
                                                          "day": "10"}, follow=True)
    assert "停用" in saved.content.decode() and not CompanyHoliday.objects.get(pk=holiday.pk).active
    client.force_login(users.mgmt)
    page = client.get("/care/holidays/").content.decode()
    assert "教师节" in page and "端午节" in page and 'id="holiday-form"' not in page
    assert client.post("/care/holidays/", {"name": "x", "calendar": "solar", "month": "1", "day": "2"}).status_code \
        == 404
    events = AuditEvent.objects.filter(action__startswith="care.holiday.").order_by("id")
    assert [e.action for e in events] == ["care.holiday.added", "care.holiday.updated"]
    assert action_label("care.holiday.added") == ("添加了公司节日", True)  # a readable audit label
    assert action_label("care.holiday.updated") == ("修改了公司节日", True)


def test_a141_birthday_stored_encrypted_never_plaintext(world):
    boss = world["boss"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT birthday FROM customers_contact WHERE id = %s", [boss.pk])
        (raw,) = cursor.fetchone()
    from kam.core.crypto import decrypt

    assert raw.startswith("gAAAAA") and "lunar:8:15" not in raw  # a Fernet token, not the date
    assert decrypt(raw) == "lunar:8:15:0"
    columns = [c.name for c in connection.introspection.get_table_description(connection.cursor(),
                                                                              "customers_contact")]
    assert not [c for c in columns if c.startswith("birthday_")]  # the plaintext columns are gone
    boss.refresh_from_db()
    assert (boss.birthday_kind, boss.birthday_month, boss.birthday_day, boss.birthday_leap_month) == (
        "lunar", 8, 15, False)


def test_a141_birthday_on_the_dossier_only_for_own_manager_head_and_management(users, world, client, frozen):
    url = f"/customers/{world['a'].pk}/"
    for who in ("am1", "head", "mgmt"):
        client.force_login(getattr(users, who))
        assert "农历8月15日" in client.get(url).content.decode(), who
    for who in ("mkt", "svc"):
        client.force_login(getattr(users, who))
        response = client.get(url)
        assert response.status_code in (200, 404) and "农历8月15日" not in response.content.decode(), who


def test_a141_customs_beside_each_occasion_on_my_day_list_detail_and_gift_form(users, world, client, frozen):
    from kam.dossier.models import SectionStamp
    from kam.dossier.services import dossier_update

    dossier_update(actor=users.am1, customer=world["a"], pref_customs="忌送钟表、梨；宴请不喝白酒")
    stamp = SectionStamp.objects.get(customer=world["a"], section="preferences")
    assert stamp.by == users.am1 and not stamp.confirmed  # edited like the other sections: who and when
    client.force_login(users.am1)
    note = "素食，不饮酒；忌送钟表、梨；宴请不喝白酒"
    assert note in client.get("/my-day/").content.decode()
    assert note in client.get("/care/occasions/").content.decode()
    detail = client.get(f"/care/occasions/{world['a'].pk}/{world['key']}/").content.decode()
    assert "忌送钟表、梨" in detail and "素食，不饮酒" in detail
    gift = client.get(f"/care/gifts/new/?customer={world['a'].pk}").content.decode()
    assert 'id="customs"' in gift and "忌送钟表、梨" in gift and "素食，不饮酒" in gift
    assert "忌送钟表、梨" in client.get(f"/customers/{world['a'].pk}/").content.decode()


def test_a141_calendar_and_ics_show_occasions_only_to_people_allowed(users, world, client, frozen):
    from kam.engagement.services import calendar_feed_create

    client.force_login(users.am1)
    page = client.get("/engagement/calendar/?from=2026-09-21").content.decode()
    assert "林董生日（农历八月十五） · 华美酒店" in page and "陈总" not in page
    client.force_login(users.am2)
    page = client.get("/engagement/calendar/?from=2026-09-21").content.decode()
    assert "林董" not in page and "陈总生日 · 远景地产" in page
    client.force_login(users.mkt)
    assert "生日" not in client.get("/engagement/calendar/?from=2026-09-21&all=1").content.decode()
    feed1 = calendar_feed_create(actor=users.am1)
    feed2 = calendar_feed_create(actor=users.am2)
    ics1 = client.get(f"/engagement/calendar/{feed1}.ics").content.decode()
    ics2 = client.get(f"/engagement/calendar/{feed2}.ics").content.decode()
    assert f"UID:occasion-{world['a'].pk}-{world['key']}@kam" in ics1
    assert "DTSTART;VALUE=DATE:20260925" in ics1 and "SUMMARY:林董生日（农历八月十五） · 华美酒店" in ics1
    assert "DESCRIPTION:礼仪与忌讳：素食，不饮酒；忌送钟表" in ics1
    assert "林董" not in ics2 and "陈总生日" in ics2


def test_a141_digest_lists_occasions_personally_never_to_a_robot(users, world, frozen):
    from kam.notify.models import GroupRobot, Notification
    from kam.obligations.sweep import sweep

    GroupRobot.objects.create(name="销售群", kind="wecom_robot", audience="head_of_sales",
                              webhook_url="http://127.0.0.1:9/x", secret="")
    sweep(now=at(2026, 9, 18, 9, 30), deliver=False)
    am1 = Notification.objects.get(title__startswith="每日摘要", recipient=users.am1).body
    assert "【近期重要日子（A14.1）】" in am1 and "林董生日" in am1 and "忌送钟表" in am1 and "陈总" not in am1
    assert am1.count("林董生日") == 1  # the section stands in for the alert line
    am2 = Notification.objects.get(title__startswith="每日摘要", recipient=users.am2).body
    assert "林董" not in am2 and "陈总生日" in am2
    head = Notification.objects.get(title__startswith="每日摘要", recipient=users.head).body
    assert "林董生日" in head and "陈总生日" in head  # core accounts' decision makers
    assert not Notification.objects.filter(robot__isnull=False, body__contains="生日").exists()


def test_a141_monthly_overview_counts_equal_the_records(users, world, client, frozen,
                                                        django_assert_max_num_queries):
    from kam.care.services import care_action_record

    care_action_record(actor=users.am1, customer=world["a"], key=world["key"], kind="greeting", channel="wechat",
                       text="生日快乐")
    care_action_record(actor=users.am2, customer=world["b"], key=f"bday-{world['other'].pk}-20260922",
                       kind="none", reason="对方出差")
    client.force_login(users.am1)
    assert client.get("/care/occasion-month/").status_code == 403
    client.force_login(users.head)
    with django_assert_max_num_queries(25):
        page = client.get("/care/occasion-month/?month=2026-09").content.decode()
    done = CareAction.objects.filter(occasion_on__gte=dt.date(2026, 9, 1), occasion_on__lte=dt.date(2026, 9, 30))
    assert f'id="month-done">{done.count()}<' in page
    assert "对方出差" in page  # no action: its reason shown
    rows = client.get("/care/occasion-month/?month=2026-09&state=greeting").content.decode()
    assert "林董生日" in rows and "陈总生日" not in rows
    mine = client.get(f"/care/occasion-month/?month=2026-09&manager={users.am2.pk}").content.decode()
    assert "远景地产" in mine and "华美酒店</td>" not in mine
    assert 'href="?month=2026-08"' in page and 'href="?month=2026-10"' in page
    # bounded: ten more accounts with people cost no more queries
    for i in range(10):
        from tests.factories import KeyAccountFactory

        c = KeyAccountFactory(name=f"客户{i}", manager=users.am2, city="广州", tier="core", since=at(2025, 1, 1))
        ContactFactory(customer=c, is_decision_maker=True, birthday_kind="solar", birthday_month=9, birthday_day=3)
    with django_assert_max_num_queries(25):
        page = client.get("/care/occasion-month/?month=2026-09").content.decode()
    assert "客户9" in page
    client.force_login(users.mgmt)
    february = client.get("/care/occasion-month/?month=2027-02").content.decode()
    assert february.count("春节") >= 2
    assert not re.search(r'href="/care/occasions/\d+/', february)  # not listed yet: no page to link (no 404s)


@pytest.mark.django_db(transaction=True)
def test_a141_migration_encrypts_existing_plaintext_birthdays_then_drops_the_columns():
    """Migration 0008 encrypts the plaintext birthday columns into `birthday`; 0009 drops them."""
    from django.db.migrations.executor import MigrationExecutor

    before = [("customers", "0007_merge_0004_upload_validators_0006_trigram_indexes")]
    after = [("customers", "0009_drop_plaintext_birthday")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    customer = old.get_model("customers", "Customer").objects.create(name="旧客户", credit_code="91440604MA4UJ5XK1N")
    Contact = old.get_model("customers", "Contact")
    lunar = Contact.objects.create(customer=customer, name="老林", birthday_kind="lunar", birthday_month=4,
                                   birthday_day=12, birthday_leap_month=True)
    none = Contact.objects.create(customer=customer, name="前台")
    executor = MigrationExecutor(connection)
    executor.migrate(after)
    # every app back at its newest state (migrating customers back also unapplied what depends on it, e.g. care's
    # contract links), so the transactional tests after this one see the whole schema
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    from kam.customers.models import Contact as Current

    with connection.cursor() as cursor:
        cursor.execute("SELECT birthday FROM customers_contact WHERE id = %s", [lunar.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("gAAAAA") and "lunar" not in raw
    migrated = Current.objects.get(pk=lunar.pk)
    assert (migrated.birthday_kind, migrated.birthday_month, migrated.birthday_day, migrated.birthday_leap_month) == (
        "lunar", 4, 12, True)
    assert Current.objects.get(pk=none.pk).birthday == ""
