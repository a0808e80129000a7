"""Ways core data or workflow order could slip (A7.1, A7.2, A12.1, A13.1, A15.2), closed."""

import datetime as dt

import pytest
from django.utils import timezone

from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from tests.service.conftest import at

pytestmark = pytest.mark.django_db


def test_a71_only_the_head_of_sales_unflags_a_decision_maker(users, key_account):
    from kam.customers.services import contact_create
    from kam.dossier.services import contact_update

    c = key_account()
    dm = contact_create(actor=None, customer=c, name="林董", phone="13999887766", is_decision_maker=True)
    with pytest.raises(AccessDenied):
        contact_update(actor=users.am1, contact=dm, is_decision_maker=False)
    contact_update(actor=users.am1, contact=dm, title="董事长")  # other edits stay the manager's
    contact_update(actor=users.head, contact=dm, is_decision_maker=False)
    dm.refresh_from_db()
    assert not dm.is_decision_maker


def test_a72_a_core_export_shows_in_the_access_log(users, key_account, client):
    from kam.audit.models import CoreAccess
    from kam.customers.services import floor_price_set

    c = key_account()
    floor_price_set(actor=None, customer=c, product_series="沙发", price="1234")
    client.force_login(users.head)
    b"".join(client.get("/customers/export.xlsx").streaming_content)
    assert not CoreAccess.objects.filter(channel="export").exists()  # core columns only on the explicit choice
    b"".join(client.get("/customers/export.xlsx?core=1").streaming_content)
    access = CoreAccess.objects.get(channel="export")
    assert access.customer == c and access.fields == ["floor_prices"] and access.user == users.head
    client.force_login(users.am1)
    b"".join(client.get("/customers/export.xlsx?core=1").streaming_content)
    assert CoreAccess.objects.filter(channel="export").count() == 1  # no core column left: nothing to log


def test_a72_imports_name_core_fields_never_their_values(users, key_account):
    from kam.audit.models import AuditEvent
    from tests.exchange.helpers import run, xlsx_upload

    c = key_account()
    rows = [["合同编号", "客户", "开始日期", "条款摘要"], ["HT-9", c.credit_code, "2026-01-01", "月结30天"]]
    run(users.head, "contracts", xlsx_upload("k.xlsx", rows))
    rows[1][3] = "PRICE_TERMS_MARKER 年返点3%"
    _r, result = run(users.head, "contracts", xlsx_upload("k.xlsx", rows))
    assert result.counts["updated"] == 1
    dump = str(list(AuditEvent.objects.values_list("changes", flat=True)))
    assert "PRICE_TERMS_MARKER" not in dump and "月结30天" not in dump


def test_a131_visits_cannot_be_booked_in_the_past(users, key_account):
    from kam.engagement.services import visit_book

    with pytest.raises(ApplicationError) as exc:
        visit_book(actor=users.am1, customer=key_account(), starts_at=at(2026, 10, 5, 10), ends_at=at(2026, 10, 5, 11),
                   purpose="补录", override_reason="想补录", now=at(2026, 11, 26, 10))
    assert exc.value.field == "starts_at"


def test_a121_contacts_backdated_a_week_at_most(users, key_account):
    from kam.engagement.services import contact_log_create

    c = key_account()
    contact_log_create(actor=users.am1, customer=c, at=timezone.now() - dt.timedelta(days=3), kind="phone",
                       summary="上周五的电话")
    with pytest.raises(ApplicationError) as exc:
        contact_log_create(actor=users.am1, customer=c, at=timezone.now() - dt.timedelta(days=40), kind="phone",
                           summary="补记上个月")
    assert exc.value.field == "at"


def test_a152_an_escalated_request_waits_for_the_assignment(users, key_account):
    from kam.demands import services

    req = services.request_log(actor=users.am1, customer=key_account(), kind="customisation", channel="phone",
                               summary="定制前台")
    services.request_escalate(actor=users.am1, request=req, note="需要市场部")
    with pytest.raises(InvalidTransition) as exc:
        services.request_record_outcome(actor=users.am1, request=req, outcome="自己搞定")
    assert exc.value.rule == "A15.2"
    services.request_assign(actor=users.head, request=req, department="marketing", assignee=users.mkt)
    services.request_record_outcome(actor=users.mkt, request=req, outcome="设计完成")
    with pytest.raises(ApplicationError):
        services.request_feedback(actor=users.am1, request=req, to_person="林董", how="phone",
                                  at=timezone.now() + dt.timedelta(days=30))
