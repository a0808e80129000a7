"""A13.1 booking lead on the official working-day calendar, confirmation reminder; A13.2 the 24-hour record."""

import pytest

from kam.core.errors import ApplicationError, PolicyViolation
from kam.engagement import services
from kam.engagement.models import ContactLog
from kam.obligations import engine
from tests.engagement.conftest import at

pytestmark = pytest.mark.django_db


def book(users, customer, day, now, **kw):
    return services.visit_book(actor=users.am1, customer=customer, starts_at=at(*day, 10), ends_at=at(*day, 11),
                               purpose="新品介绍", materials=["samples", "quotation"], now=now, **kw)


def test_a131_friday_for_makeup_saturday_is_allowed_holiday_is_refused(users, customer_factory):
    c = customer_factory(manager=users.am1)
    friday = at(2026, 2, 13, 16)
    visit = book(users, c, (2026, 2, 14), friday)  # 2026-02-14 is a make-up workday (调休)
    assert visit.lead_override_reason == ""
    with pytest.raises(PolicyViolation) as exc:
        book(users, c, (2026, 2, 17), friday)  # 春节: not a working day
    assert exc.value.rule == "A13.1"
    with pytest.raises(PolicyViolation):
        book(users, c, (2026, 2, 13), at(2026, 2, 13, 8))  # same day: less than one working day ahead
    overridden = book(users, c, (2026, 2, 17), friday, override_reason="客户总经理春节期间在厂")
    assert overridden.lead_override_reason == "客户总经理春节期间在厂"
    from kam.audit.models import AuditEvent

    event = AuditEvent.objects.filter(action="engagement.visit.booked").latest("id")
    assert event.changes["override"] is True and event.rule == "A13.1"


def test_a131_purpose_required_and_materials_checked(users, customer_factory):
    c = customer_factory(manager=users.am1)
    with pytest.raises(ApplicationError) as exc:
        services.visit_book(actor=users.am1, customer=c, starts_at=at(2026, 12, 3, 10), ends_at=at(2026, 12, 3, 11),
                            purpose=" ", now=at(2026, 11, 26, 10))
    assert exc.value.field == "purpose"
    with pytest.raises(ApplicationError):
        services.visit_book(actor=users.am1, customer=c, starts_at=at(2026, 12, 3, 10), ends_at=at(2026, 12, 3, 11),
                            purpose="x", materials=["cash"], now=at(2026, 11, 26, 10))


def test_a131_confirm_reminder_two_working_days_before(users, customer_factory):
    c = customer_factory(manager=users.am1)
    visit = book(users, c, (2026, 12, 10), at(2026, 11, 26, 10))  # Thursday; reminder from Tuesday 12-08
    from kam.engagement.models import Visit

    Visit.objects.filter(pk=visit.pk).update(booked_at=at(2026, 11, 26, 10))
    o = {x.subject_id: x for x in engine.evaluate(now=at(2026, 12, 7, 18), rules=["A13.1"])}[visit.pk]
    assert o.state == engine.UPCOMING
    o = {x.subject_id: x for x in engine.evaluate(now=at(2026, 12, 8, 9), rules=["A13.1"])}[visit.pk]
    assert o.state == engine.DUE_SOON
    services.visit_confirm(actor=users.am1, visit=visit)
    o = {x.subject_id: x for x in engine.evaluate(now=at(2026, 12, 8, 10), rules=["A13.1"])}[visit.pk]
    assert o.state == engine.MET


def test_a132_record_within_24_hours(users, customer_factory):
    c = customer_factory(manager=users.am1)
    visit = book(users, c, (2026, 11, 3), at(2026, 10, 30, 10))
    # ends 11:00 on 11-03: due 11-04 11:00
    obs = {o.subject_id: o for o in engine.evaluate(now=at(2026, 11, 4, 6), rules=["A13.2"])}
    assert obs[visit.pk].state == engine.DUE_SOON and obs[visit.pk].due_at == at(2026, 11, 4, 11)
    obs = {o.subject_id: o for o in engine.evaluate(now=at(2026, 11, 4, 11, 0, 1), rules=["A13.2"])}
    assert obs[visit.pk].state == engine.BREACHED
    with pytest.raises(ApplicationError) as exc:
        services.visit_record(actor=users.am1, visit=visit, purchase_plans="明年新开3家酒店", usage_problems="",
                              suggestions="x", now=at(2026, 11, 4, 12))
    assert exc.value.field == "usage_problems" and exc.value.rule == "A13.2"
    services.visit_record(actor=users.am1, visit=visit, purchase_plans="明年新开3家酒店", usage_problems="抽屉滑轨异响",
                          suggestions="增加静音滑轨", now=at(2026, 11, 4, 12))
    visit.refresh_from_db()
    obs = {o.subject_id: o for o in engine.evaluate(now=at(2026, 11, 5), rules=["A13.2"])}
    assert obs[visit.pk].state == engine.MET_LATE and visit.recorded_at == at(2026, 11, 4, 12)
    log = ContactLog.objects.get(visit=visit)
    assert log.kind == "visit" and log.at == visit.ends_at  # the visit counts for A12.1/A12.2


def test_cancellation_keeps_a_reason(users, customer_factory):
    c = customer_factory(manager=users.am1)
    visit = book(users, c, (2026, 12, 3), at(2026, 11, 26, 10))
    with pytest.raises(ApplicationError):
        services.visit_cancel(actor=users.am1, visit=visit, reason="")
    services.visit_cancel(actor=users.am1, visit=visit, reason="客户临时出差")
    visit.refresh_from_db()
    assert visit.status == "cancelled" and visit.cancel_reason == "客户临时出差"
    assert visit.pk not in {o.subject_id for o in engine.evaluate(now=at(2026, 12, 5), rules=["A13.2"])}


def test_other_managers_customer_refused(users, customer_factory):
    from kam.core.errors import AccessDenied

    other = customer_factory(manager=users.am2)
    with pytest.raises(AccessDenied):
        services.contact_log_create(actor=users.am1, customer=other, at=at(2026, 11, 20, 10), kind="phone",
                                    summary="x")


def test_ics_feed_secret_revocable_and_without_core_data(users, customer_factory, client):
    from kam.customers.services import contact_create

    c = customer_factory("华美酒店", manager=users.am1)
    contact_create(actor=None, customer=c, name="林董", phone="13711112222", is_decision_maker=True)
    visit = services.visit_book(actor=users.am1, customer=c, starts_at=at(2026, 12, 3, 10),
                                ends_at=at(2026, 12, 3, 11), purpose="送样", now=at(2026, 11, 26, 10))
    raw = services.calendar_feed_create(actor=users.am1)
    body = client.get(f"/engagement/calendar/{raw}.ics").content.decode()
    assert "BEGIN:VCALENDAR" in body and f"UID:visit-{visit.pk}@kam" in body and "华美酒店" in body
    assert "13711112222" not in body
    services.calendar_feed_revoke(actor=users.am1)
    assert client.get(f"/engagement/calendar/{raw}.ics").status_code == 404
