"""The dossier (A6.1): sections, in-place edits through services, completeness, freshness (A6.2),
anonymisation of a contact (PIPL), query counts flat."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kam.dossier import services
from kam.dossier.models import SectionStamp
from kam.obligations import engine
from tests.service.conftest import at

pytestmark = pytest.mark.django_db


def test_page_shows_every_section_and_the_gaps(users, key_account, client):
    c = key_account()
    client.force_login(users.am1)
    body = client.get(f"/customers/{c.pk}/").content.decode()
    for section in ("completeness", "section-basic", "section-decision", "section-preferences", "section-contacts",
                    "section-floor-prices", "section-history", "section-tickets", "section-requests",
                    "section-communications", "section-contracts", "section-designation", "section-obligations"):
        assert f'id="{section}"' in body, section
    assert "没有记录决策层联系人" in body and "没有采购决策流程" in body and "没有记录偏好" in body
    assert 'data-chart="yearly-chart"' in body and "/static/vendor/echarts/echarts.min.js" in body


def test_licence_expiring_within_30_days_is_a_gap(users, key_account, client):
    c = key_account()
    services.license_save(actor=users.am1, customer=c, name="营业执照",
                          expires_on=timezone.localdate() + dt.timedelta(days=20))
    client.force_login(users.am1)
    assert "证照「营业执照」将于" in client.get(f"/customers/{c.pk}/").content.decode()


def test_in_place_edit_is_a_service_call_audited_and_stamped(users, key_account, client):
    from kam.audit.models import AuditEvent

    c = key_account()
    client.force_login(users.am1)
    form = client.get(f"/customers/{c.pk}/edit/decision/", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="decision_process"' in form
    response = client.post(f"/customers/{c.pk}/edit/decision/", {"decision_process": "采购部初选，总经理审批"},
                           HTTP_HX_REQUEST="true")
    assert "采购部初选" in response.content.decode() and 'id="section-decision"' in response.content.decode()
    c.refresh_from_db()
    assert c.decision_process == "采购部初选，总经理审批"
    assert AuditEvent.objects.filter(action="customers.customer.updated", target_id=str(c.pk)).exists()
    assert SectionStamp.objects.get(customer=c, section="decision").by == users.am1
    client.force_login(users.am2)  # another manager: 404, nothing changes
    assert client.post(f"/customers/{c.pk}/edit/decision/", {"decision_process": "x"}).status_code == 404
    client.force_login(users.mkt)  # marketing reads the basic data, edits none of it
    assert client.get(f"/customers/{c.pk}/").status_code == 200
    assert client.post(f"/customers/{c.pk}/edit/decision/", {"decision_process": "x"}).status_code == 404


def test_a62_freshness_needs_each_section_updated_or_confirmed_contact_logs_do_not_count(users, key_account):
    from kam.engagement.models import ContactLog

    c = key_account()
    now = at(2026, 11, 26, 10)

    def state():
        return {o.period_key: o for o in engine.evaluate(now=now, rules=["A6.2"], customer_ids={c.pk})}["2026-11"]

    ContactLog.objects.create(customer=c, at=at(2026, 11, 3, 10), kind="phone", author=users.am1, summary="x")
    assert state().state in (engine.UPCOMING, engine.DUE_SOON) and state().done == 0
    services.section_confirm(actor=users.am1, customer=c, section="basic", at=at(2026, 11, 5, 10))
    services.dossier_update(actor=users.am1, customer=c, pref_style="新中式")
    SectionStamp.objects.filter(customer=c, section="preferences").update(at=at(2026, 11, 6, 10))
    assert state().done == 2 and state().state != engine.MET
    services.section_confirm(actor=users.am1, customer=c, section="decision", at=at(2026, 11, 20, 10))
    assert state().state == engine.MET
    october = {o.period_key: o for o in engine.evaluate(now=now, rules=["A6.2"], customer_ids={c.pk})}["2026-10"]
    assert october.state == engine.BREACHED and october.escalation_role == "head_of_sales"


def test_anonymising_a_contact_removes_personal_data_everywhere_and_keeps_history(users, key_account, client):
    from kam.audit.models import AuditEvent
    from kam.customers.services import contact_create
    from kam.engagement.models import ContactLog

    c = key_account()
    person = contact_create(actor=None, customer=c, name="张采购", title="采购经理", phone="13655554444",
                            email="zhang.buyer@example.com", birthday_kind="solar", birthday_month=3, birthday_day=8)
    log = ContactLog.objects.create(customer=c, at=at(2026, 11, 3, 10), kind="phone", author=users.am1,
                                    contact=person, summary="询价")
    with pytest.raises(Exception):  # noqa: B017 - only the head of sales may
        services.contact_anonymise(actor=users.am1, contact=person, reason="本人申请")
    services.contact_anonymise(actor=users.head, contact=person, reason="本人申请删除个人信息")
    for who in ("head", "am1", "mgmt"):
        client.force_login(getattr(users, who))
        for url in (f"/customers/{c.pk}/", f"/api/customers/{c.pk}", f"/customers/{c.pk}/print/"):
            body = client.get(url).content.decode()
            assert "13655554444" not in body and "张采购" not in body and "zhang.buyer" not in body
    log.refresh_from_db()
    assert log.contact_id == person.pk  # history kept
    assert AuditEvent.objects.filter(action="customers.contact.anonymised").count() == 1


def test_dossier_query_count_does_not_grow(users, key_account, client):
    from kam.customers.services import contact_create
    from kam.engagement.models import ContactLog
    from kam.orders.services import LineIn, order_create

    c = key_account()

    def add(n, start):
        for i in range(start, start + n):
            contact_create(actor=None, customer=c, name=f"联系人{i}", phone="1", is_decision_maker=i % 2 == 0)
            order_create(actor=None, customer=c, number=f"SO-{i}", order_date=dt.date(2020 + i % 6, 3, 1),
                         lines=[LineIn("沙发", "SF-320", Decimal(1), Decimal(100)),
                                LineIn("餐椅", "DC-45", Decimal(2), Decimal(50))])
            ContactLog.objects.create(customer=c, at=at(2026, 11, 3, 10), kind="phone", author=users.am1, summary="x")

    add(2, 0)
    client.force_login(users.head)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/customers/{c.pk}/")
    add(12, 10)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/customers/{c.pk}/")
    assert len(large.captured_queries) == len(small.captured_queries)


def test_access_log_page_and_export_for_management(users, key_account, client):
    from kam.audit.models import AuditEvent
    from kam.customers.services import floor_price_set

    c = key_account()
    floor_price_set(actor=None, customer=c, product_series="沙发", price="4321.00")
    client.force_login(users.head)
    client.post(f"/customers/{c.pk}/reveal/floor_prices/")
    client.force_login(users.mgmt)
    body = client.get("/audit/access-log/?channel=page").content.decode()
    assert "floor_price:沙发" in body and "4321" not in body
    assert client.get("/audit/access-log/export.xlsx").status_code == 200
    assert AuditEvent.objects.filter(action="exchange.export", changes__list="audit.core_access").exists()
    client.force_login(users.head)
    assert client.get("/audit/access-log/").status_code == 403


def test_head_sets_a_floor_price_others_cannot(users, key_account, client):
    from kam.audit.models import AuditEvent
    from kam.customers.models import FloorPrice

    c = key_account()
    client.force_login(users.am1)
    assert client.post(f"/customers/{c.pk}/floor-prices/", {"series": "沙发", "price": "5000"}).status_code == 403
    client.force_login(users.head)
    client.post(f"/customers/{c.pk}/floor-prices/", {"series": "沙发", "price": "5,000.50"})
    assert FloorPrice.objects.get(customer=c).price == "5000.50"
    event = AuditEvent.objects.get(action="customers.floor_price.set")
    assert "5000" not in str(event.changes)
    response = client.post(f"/customers/{c.pk}/floor-prices/", {"series": "沙发", "price": "abc"}, follow=True)
    assert "不是有效金额" in response.content.decode()
