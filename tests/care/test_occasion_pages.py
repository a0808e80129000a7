"""The occasion pages (A14.1): the list scoped to the giver's chain, one occasion's page where the care action is
recorded (a refused action keeps what was typed), an added occasion."""

from __future__ import annotations

import pytest
import time_machine

from kam.care.models import AddedOccasion, CareAction
from kam.obligations.store import reflect
from tests.factories import ContactFactory, at

pytestmark = pytest.mark.django_db
NOW = at(2026, 9, 20, 10)

@pytest.fixture
def world(users, key_account):
    with time_machine.travel(NOW, tick=False):
        a = key_account("华美酒店", manager=users.am1)
        boss = ContactFactory(customer=a, name="林董", is_decision_maker=True, birthday_kind="lunar",
                              birthday_month=8, birthday_day=15)
        b = key_account("远景地产", city="广州", manager=users.am2)
        ContactFactory(customer=b, name="陈总", is_decision_maker=True, birthday_kind="solar", birthday_month=9,
                       birthday_day=22)
        reflect(now=NOW, rules=["A14.1"])
        yield {"a": a, "boss": boss, "b": b, "key": f"bday-{boss.pk}-20260925"}

@pytest.fixture
def frozen(world):
    with time_machine.travel(NOW, tick=False):
        yield NOW

def test_a141_occasion_list_is_scoped_to_the_account_manager(users, world, client, frozen,
                                                             django_assert_max_num_queries):
    client.force_login(users.am1)
    with django_assert_max_num_queries(20):
        body = client.get("/care/occasions/").content.decode()
    assert "华美酒店 · 林董生日（农历八月十五） 09-25" in body and "华美酒店 · 中秋节 09-25" in body
    assert "陈总" not in body and "远景地产" not in body
    client.force_login(users.head)
    body = client.get("/care/occasions/").content.decode()
    assert "陈总生日 09-22" in body and body.count("林董生日") == 1  # the head's own copy is not repeated
    for who in (users.svc, users.mkt, users.fin, users.admin):
        client.force_login(who)
        assert client.get("/care/occasions/").status_code == 403
        assert client.get(f"/care/occasions/{world['a'].pk}/{world['key']}/").status_code == 403

def test_a141_care_action_recorded_on_the_occasion_page(users, world, client, frozen):
    url = f"/care/occasions/{world['a'].pk}/{world['key']}/"
    client.force_login(users.am2)
    assert client.get(url).status_code == 404  # another manager's account
    client.force_login(users.am1)
    assert client.get(f"/care/occasions/{world['a'].pk}/bday-1-20990101/").status_code == 404
    page = client.get(url).content.decode()
    assert "2026-09-25" in page and "还有 5 天" in page and 'id="care-form"' in page
    refused = client.post(url, {"kind": "greeting", "channel": "", "text": "生日快乐"})
    assert refused.status_code == 400 and "请选择祝福的渠道" in refused.content.decode()
    assert "生日快乐" in refused.content.decode() and not CareAction.objects.exists()
    done = client.post(url, {"kind": "greeting", "channel": "wechat", "text": "生日快乐"}, follow=True)
    body = done.content.decode()
    assert "已记录「林董生日（农历八月十五）」的关怀：祝福问候" in body and 'id="care-done"' in body
    listing = client.get("/care/occasions/?state=done").content.decode()
    assert "林董生日" in listing and "已关怀" in listing

def test_a141_manager_adds_an_occasion(users, world, client, frozen):
    client.force_login(users.am1)
    url = f"/care/occasions/new/?customer={world['a'].pk}"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "新店开业", "on": "2026-09-01"})
    assert bad.status_code == 400 and "不能早于今天" in bad.content.decode() and 'value="新店开业"' in bad.content.decode()
    done = client.post(url, {"title": "南海新店开业", "on": "2026-09-24", "note": "送花篮"})
    assert done.status_code == 302
    assert AddedOccasion.objects.get().title == "南海新店开业"
    assert "华美酒店 · 南海新店开业 09-24" in client.get("/care/occasions/").content.decode()
    client.force_login(users.am2)
    assert client.get(url).status_code == 400  # not their account
    assert client.get("/care/occasions/new/").status_code == 200
    client.force_login(users.mgmt)
    assert client.get(url).status_code == 403
