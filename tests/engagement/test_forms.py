"""Contact logs and visits (A12.1, A13.1, A13.2) through forms: one URL per visit action; bad input is a 400
naming the field with nothing changed; a contact of another customer is a form error."""

import pytest

from kam.engagement import services
from kam.engagement.models import ContactLog, Visit
from tests.engagement.conftest import at

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def visit(users, customer_factory):
    c = customer_factory("华美酒店", manager=users.am1)
    return services.visit_book(actor=users.am1, customer=c, starts_at=at(2026, 12, 3, 10),
                               ends_at=at(2026, 12, 3, 11), purpose="送样", now=at(2026, 11, 26, 10))


def test_a121_contact_of_another_customer_or_a_huge_id_is_a_form_error(users, customer_factory, client):
    from kam.customers.services import contact_create

    own = customer_factory("华美酒店", manager=users.am1)
    elsewhere = contact_create(actor=None, customer=customer_factory("远景地产", manager=users.am1), name="王总")
    client.force_login(users.am1)
    good = {"customer": own.pk, "at": "2026-11-26T10:00", "kind": "phone", "topic": "needs", "summary": "询问新品"}
    for contact in (elsewhere.pk, HUGE, "abc"):
        response = client.post("/engagement/log/", {**good, "contact": contact})
        assert response.status_code == 400, contact
        assert "「客户方人员」" in response.content.decode() and "询问新品</textarea>" in response.content.decode()
    response = client.post("/engagement/log/", {**good, "at": "2026-11-31T10:00"})
    assert response.status_code == 400 and "「时间」" in response.content.decode()
    assert not ContactLog.objects.exists()


def test_contact_options_refuse_garbage_and_hide_other_managers_customers(users, customer_factory, client):
    other = customer_factory("远景地产", manager=users.am2)
    client.force_login(users.am1)
    assert client.get("/engagement/log/contacts/?customer=abc").status_code == 400
    assert client.get(f"/engagement/log/contacts/?customer={HUGE}").status_code == 400
    assert client.get(f"/engagement/log/contacts/?customer={other.pk}").status_code == 404


def test_each_visit_action_has_its_own_url(users, visit, client):
    client.force_login(users.am1)
    base = f"/engagement/visits/{visit.pk}/"
    assert client.post(base, {"action": "confirm"}).status_code == 405
    assert client.get(f"{base}confirm/").status_code == 405
    response = client.post(f"{base}cancel/", {"reason": " "})
    assert response.status_code == 400 and "「取消原因」：请填写取消原因。" in response.content.decode()
    assert client.post(f"{base}confirm/").status_code == 302
    visit.refresh_from_db()
    assert visit.status == "confirmed"
    client.force_login(users.am2)
    assert client.post(f"{base}confirm/").status_code == 404  # another manager's visit


def test_a132_record_with_missing_fields_is_a_400_keeping_what_was_typed(users, visit, client):
    client.force_login(users.am1)
    response = client.post(f"/engagement/visits/{visit.pk}/record/", {"purchase_plans": "明年新开三家门店",
                                                                      "ended_at": "2026-12-03T25:00"})
    body = response.content.decode()
    assert response.status_code == 400 and "「产品使用问题」" in body and "「实际结束时间」" in body
    assert "明年新开三家门店</textarea>" in body
    visit.refresh_from_db()
    assert visit.recorded_at is None


def test_calendar_feed_create_and_revoke_are_two_actions(users, client):
    from kam.engagement.models import CalendarFeedToken

    client.force_login(users.am1)
    assert client.post("/engagement/calendar/feed/").status_code == 302
    assert CalendarFeedToken.objects.filter(user=users.am1, revoked_at__isnull=True).count() == 1
    assert client.post("/engagement/calendar/feed/revoke/").status_code == 302
    assert not CalendarFeedToken.objects.filter(user=users.am1, revoked_at__isnull=True).exists()
    assert Visit.objects.count() == 0
