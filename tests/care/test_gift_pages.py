"""The gift pages (A14.2): registration keeps what was typed when refused, the running total beside the form, the
approval and "given" actions, the list scoped to the giver's chain, the customer-page section, the refused
attempts for management (A3); query counts stay flat."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.care import services
from kam.care.models import Gift, GiftRefusal, GiftState

pytestmark = pytest.mark.django_db


def gift(users, account, value="100.00", *, recipient=None, item="定制茶具", actor=None, customer=None):
    return services.gift_register(actor=actor or users.am1, customer=customer or account.mine,
                                  recipient=recipient or account.boss, item=item, category="custom", quantity=1,
                                  unit_value=value)


def form_data(account, **changes):
    data = {"recipient": account.boss.pk, "occasion": "中秋节", "item": "定制茶具", "category": "custom",
            "quantity": "1", "unit_value": "180.00", "supplier_ref": "FP-2026-0910", "planned_on": "2026-09-20"}
    data.update(changes)
    return data


def test_a142_registration_page_shows_the_running_total_and_registers(users, account, client):
    gift(users, account, "300.00")
    services.gift_decide(actor=users.head, gift=Gift.objects.get(), approve=True)
    client.force_login(users.am1)
    chooser = client.get("/care/gifts/new/")
    assert chooser.status_code == 200 and "华美酒店" in chooser.content.decode()
    assert "远景地产" not in chooser.content.decode()  # another manager's account is not offered
    page = client.get(f"/care/gifts/new/?customer={account.mine.pk}")
    body = page.content.decode()
    assert page.status_code == 200 and 'id="recipient-totals"' in body
    totals = body[body.index('id="recipient-totals"'):]
    assert "林董" in totals and "¥300.00" in totals and "¥1,700.00" in totals
    assert "禁止赠送（第十四条）" in body  # the cash equivalents stand apart under the article
    response = client.post(f"/care/gifts/new/?customer={account.mine.pk}", form_data(account))
    new = Gift.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"/care/gifts/{new.pk}/"
    assert new.state == GiftState.REGISTERED and new.occasion == "中秋节" and new.supplier_ref == "FP-2026-0910"
    detail = client.get(response["Location"]).content.decode()
    assert "无需审批" in detail and 'id="given-form"' in detail


def test_a142_refused_shopping_card_keeps_the_typed_input_and_is_recorded(users, account, client):
    client.force_login(users.am1)
    response = client.post(f"/care/gifts/new/?customer={account.mine.pk}",
                           form_data(account, item="超市购物卡", category="food", unit_value="150.00"))
    body = response.content.decode()
    assert response.status_code == 400
    assert "第十四条" in body and "严禁赠送现金、有价证券" in body
    assert 'value="超市购物卡"' in body and 'value="150.00"' in body and 'value="FP-2026-0910"' in body
    assert re.search(r'<option value="food" selected>', body)
    assert not Gift.objects.exists()
    refusal = GiftRefusal.objects.get()
    assert refusal.actor == users.am1 and refusal.item == "超市购物卡" and refusal.channel == "page"


def test_a142_over_the_yearly_limit_on_the_page_shows_the_running_total(users, account, client):
    for _ in range(4):
        gift(users, account, "450.00")
    client.force_login(users.am1)
    response = client.post(f"/care/gifts/new/?customer={account.mine.pk}", form_data(account, unit_value="200.01"))
    body = response.content.decode()
    assert response.status_code == 400 and "¥1,800.00" in body and "¥2,000.01" in body and "单价" in body


def test_a142_a_manager_cannot_register_for_another_managers_account(users, account, client):
    client.force_login(users.am2)
    assert client.get(f"/care/gifts/new/?customer={account.mine.pk}").status_code == 400
    response = client.post(f"/care/gifts/new/?customer={account.mine.pk}", form_data(account))
    assert response.status_code == 400 and not Gift.objects.exists()
    client.force_login(users.svc)
    assert client.get("/care/gifts/new/").status_code == 403


def test_a142_head_approves_on_the_gift_page_and_the_manager_marks_it_given(users, account, client):
    g = gift(users, account, "260.00")
    client.force_login(users.head)
    waiting = client.get("/approvals/").content.decode()
    assert "礼品审批" in waiting and f"/care/gifts/{g.pk}/" in waiting
    page = client.get(f"/care/gifts/{g.pk}/").content.decode()
    assert 'id="decide-form"' in page and 'id="given-form"' not in page
    refused = client.post(f"/care/gifts/{g.pk}/decide/", {"decision": "reject", "note": ""})
    assert refused.status_code == 400 and "驳回时请说明原因" in refused.content.decode()
    done = client.post(f"/care/gifts/{g.pk}/decide/", {"decision": "approve", "note": "同意"}, follow=True)
    assert "已批准" in done.content.decode()
    client.force_login(users.am1)
    given = client.post(f"/care/gifts/{g.pk}/given/", {"given_on": "2026-09-10"}, follow=True)
    body = given.content.decode()
    assert "已记录：2026-09-10 赠送给 林董" in body and "¥260.00" in body
    g.refresh_from_db()
    assert g.state == GiftState.GIVEN


def test_a142_the_manager_cannot_mark_a_gift_given_before_approval(users, account, client):
    g = gift(users, account, "260.00")
    client.force_login(users.am1)
    page = client.get(f"/care/gifts/{g.pk}/").content.decode()
    assert 'id="given-form"' not in page and 'id="gift-waiting"' in page and "销售部负责人" in page
    response = client.post(f"/care/gifts/{g.pk}/given/", {"given_on": "2026-09-10"})
    assert response.status_code == 400 and "须经批准后才能赠送" in response.content.decode()
    assert client.post(f"/care/gifts/{g.pk}/decide/", {"decision": "approve"}).status_code == 403


def test_a142_am1_cannot_see_am2s_gifts(users, account, client):
    mine = gift(users, account, item="我的茶具")
    theirs = gift(users, account, item="他的茶具", actor=users.am2, customer=account.other,
                  recipient=account.other_boss)
    client.force_login(users.am1)
    body = client.get("/care/gifts/").content.decode()
    assert "我的茶具" in body and "他的茶具" not in body
    assert client.get(f"/care/gifts/{theirs.pk}/").status_code == 404
    assert client.post(f"/care/gifts/{theirs.pk}/given/", {}).status_code == 404
    dossier = client.get(f"/customers/{account.mine.pk}/").content.decode()
    assert 'id="section-gifts"' in dossier and "我的茶具" in dossier
    client.force_login(users.am2)
    assert client.get(f"/care/gifts/{mine.pk}/").status_code == 404
    for who in (users.head, users.mgmt):
        client.force_login(who)
        body = client.get("/care/gifts/").content.decode()
        assert "我的茶具" in body and "他的茶具" in body


def test_a142_after_sales_cannot_see_any_gift(users, account, client):
    g = gift(users, account, item="我的茶具")
    for who in (users.svc, users.mkt, users.fin, users.admin):
        client.force_login(who)
        assert client.get("/care/gifts/").status_code == 403
        assert client.get(f"/care/gifts/{g.pk}/").status_code == 403
        assert client.get("/care/gifts/refusals/").status_code == 403
    client.force_login(users.svc)  # after-sales sees the key account's page, without the gift section
    dossier = client.get(f"/customers/{account.mine.pk}/")
    assert dossier.status_code == 200
    assert 'id="section-gifts"' not in dossier.content.decode() and "我的茶具" not in dossier.content.decode()


def test_a142_refused_attempts_are_visible_to_management(users, account, client):
    with pytest.raises(Exception):
        gift(users, account, item="商场礼品卡")
    client.force_login(users.mgmt)
    body = client.get("/care/gifts/refusals/").content.decode()
    assert "商场礼品卡" in body and "am1" in body and "现金、有价证券或现金等价物" in body
    client.force_login(users.am1)
    assert client.get("/care/gifts/refusals/").status_code == 403


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_gift_list_and_page_query_counts_are_flat(users, account, client, django_assert_max_num_queries):
    gift(users, account)
    client.force_login(users.head)
    few = _count(client, "/care/gifts/")
    for i in range(15):
        gift(users, account, "10.00", item=f"茶叶{i}", recipient=account.buyer if i % 2 else account.boss)
    assert _count(client, "/care/gifts/") == few
    with django_assert_max_num_queries(20):
        client.get(f"/care/gifts/{Gift.objects.first().pk}/")
    with django_assert_max_num_queries(20):
        client.get(f"/care/gifts/new/?customer={account.mine.pk}")
