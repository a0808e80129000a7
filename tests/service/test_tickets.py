"""Green channel (A11): due times in calendar and working hours (G.3), same/other city, pauses, transitions."""

import datetime as dt

import pytest

from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.obligations import engine
from kam.service import services
from tests.service.conftest import at

pytestmark = pytest.mark.django_db


def clocks_of(ticket, now):
    return {o.rule: o for o in engine.evaluate(now=now, rules=["A11.1", "A11.2"], customer_ids={ticket.customer_id})
            if o.subject_id == ticket.pk}


def test_g3_worked_example_calendar_mode(users, key_account):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="床头板开裂",
                             reported_at=at(2026, 2, 13, 17, 30), now=at(2026, 2, 13, 17, 40))
    services.ticket_respond(actor=users.svc, ticket=t, note="已联系", onsite_needed=True, at=at(2026, 2, 13, 18))
    obs = clocks_of(t, at(2026, 2, 13, 18, 5))
    assert obs["A11.1"].due_at == at(2026, 2, 13, 19, 30)
    assert obs["A11.2"].due_at == at(2026, 2, 14, 17, 30)  # same city (佛山): 24 h


def test_g3_worked_example_working_hours_mode(users, key_account, working_hours_policy):
    """Report Friday 2026-02-13 17:30: response due Saturday 02-14 10:30 (make-up workday); 24 working hours
    on site due Wednesday 02-25 14:30 (the Spring Festival holiday 02-15…02-23 does not count)."""
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="床头板开裂",
                             reported_at=at(2026, 2, 13, 17, 30), now=at(2026, 2, 13, 17, 40))
    services.ticket_respond(actor=users.svc, ticket=t, note="已联系", onsite_needed=True, at=at(2026, 2, 13, 17, 50))
    obs = clocks_of(t, at(2026, 2, 13, 18))
    assert obs["A11.1"].due_at == at(2026, 2, 14, 10, 30)
    assert obs["A11.2"].due_at == at(2026, 2, 25, 14, 30)


def test_a112_other_city_is_48_hours(users, key_account):
    t = services.ticket_open(actor=users.svc, customer=key_account(city="成都"), problem="衣柜门下垂",
                             reported_at=at(2026, 11, 2, 9), now=at(2026, 11, 2, 9, 5))
    services.ticket_respond(actor=users.svc, ticket=t, note="已联系", onsite_needed=True, at=at(2026, 11, 2, 10))
    assert clocks_of(t, at(2026, 11, 2, 12))["A11.2"].due_at == at(2026, 11, 4, 9)


@pytest.mark.parametrize("seconds,state", [(2 * 3600 - 1, engine.MET), (2 * 3600 + 1, engine.MET_LATE)])
def test_a111_responded_at_1_59_59_vs_2_00_01(users, key_account, seconds, state):
    reported = at(2026, 11, 2, 9)
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="抽屉卡滞", reported_at=reported,
                             now=reported)
    services.ticket_respond(actor=users.svc, ticket=t, note="已联系", onsite_needed=False,
                            at=reported + dt.timedelta(seconds=seconds))
    assert clocks_of(t, at(2026, 11, 2, 12))["A11.1"].state == state


def test_a112_pause_and_resume_arithmetic(users, key_account):
    reported = at(2026, 11, 2, 9)
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="沙发塌陷", reported_at=reported,
                             now=reported)
    services.ticket_respond(actor=users.svc, ticket=t, note="安排上门", onsite_needed=True, at=at(2026, 11, 2, 10))
    with pytest.raises(AccessDenied):
        services.ticket_pause(actor=users.am1, ticket=t, reason="customer_unavailable")
    with pytest.raises(ApplicationError) as exc:
        services.ticket_pause(actor=users.svc, ticket=t, reason="customer_later_date")
    assert exc.value.field == "later_date"
    services.ticket_pause(actor=users.svc, ticket=t, reason="customer_unavailable", at=at(2026, 11, 2, 12))
    assert "A11.2" not in clocks_of(t, at(2026, 11, 3, 12))  # paused: no on-site clock runs
    assert clocks_of(t, at(2026, 11, 3, 12))["A11.1"].state == engine.MET  # the response clock is not paused
    services.ticket_resume(actor=users.svc, ticket=t, at=at(2026, 11, 2, 18, 30))  # 6.5 h paused
    assert clocks_of(t, at(2026, 11, 3, 12))["A11.2"].due_at == at(2026, 11, 3, 15, 30)


def test_allowed_transitions_and_refusals(users, key_account):
    t = services.ticket_open(actor=users.svc, customer=key_account(), problem="桌面划痕")
    with pytest.raises(InvalidTransition):
        services.ticket_on_site(actor=users.svc, ticket=t)  # new → on_site
    with pytest.raises(InvalidTransition):
        services.ticket_close(actor=users.svc, ticket=t, confirmed_by="王经理", confirmed_via="phone")  # new → closed
    services.ticket_respond(actor=users.svc, ticket=t, note="已联系", onsite_needed=True)
    with pytest.raises(InvalidTransition):
        services.ticket_resolve(actor=users.svc, ticket=t, resolution="x")  # on-site needed first
    services.ticket_schedule(actor=users.svc, ticket=t, scheduled_for=at(2026, 12, 1, 10), technician=users.svc)
    services.ticket_on_site(actor=users.svc, ticket=t)
    services.ticket_resolve(actor=users.svc, ticket=t, resolution="更换桌面")
    services.ticket_respond(actor=users.svc, ticket=t, note="", onsite_needed=True)  # reopened
    t.refresh_from_db()
    assert t.status == "responded" and t.reopened == 1
    # remote resolution path
    r = services.ticket_open(actor=users.svc, customer=key_account("远景"), problem="遥控器配对")
    services.ticket_respond(actor=users.svc, ticket=r, note="电话指导", onsite_needed=False)
    services.ticket_resolve(actor=users.svc, ticket=r, resolution="远程解决")
    services.ticket_close(actor=users.svc, ticket=r, confirmed_by="王经理", confirmed_via="phone")
    r.refresh_from_db()
    assert r.resolved_remotely and r.status == "closed"
    with pytest.raises(InvalidTransition):
        services.ticket_schedule(actor=users.svc, ticket=r, scheduled_for=at(2026, 12, 1, 10))


def test_reported_at_never_later_than_creation_and_key_accounts_only(users, key_account, customer_factory):
    c = key_account()
    with pytest.raises(ApplicationError) as exc:
        services.ticket_open(actor=users.svc, customer=c, problem="x", reported_at=at(2026, 11, 2, 9),
                             now=at(2026, 11, 2, 8))
    assert exc.value.field == "reported_at"
    with pytest.raises(ApplicationError):
        services.ticket_open(actor=users.svc, customer=customer_factory("非大客户"), problem="x")


def test_g5_breach_goes_to_queue_manager_and_at_once_to_head(users, key_account):
    from kam.notify.models import GroupRobot, Notification
    from kam.obligations.sweep import sweep

    robot = GroupRobot.objects.create(name="售后群", kind="wecom_robot", audience="after_sales",
                                      webhook_url="http://127.0.0.1:9/x")
    reported = at(2026, 11, 2, 9)
    services.ticket_open(actor=users.svc, customer=key_account(), problem="床垫异响", reported_at=reported,
                         now=reported)
    sweep(now=reported + dt.timedelta(hours=2, minutes=1), deliver=False)
    recipients = set(Notification.objects.filter(rule="A11.1").values_list("recipient__username", flat=True))
    assert {"svc", "am1", "head"} <= recipients
    assert Notification.objects.filter(rule="A11.1", robot=robot).exists()


def test_a113_care_obligation_for_after_sales(users, key_account):
    c = key_account()
    obs = [o for o in engine.evaluate(now=at(2026, 11, 26), rules=["A11.3"]) if o.customer_id == c.pk]
    assert obs and obs[0].owner_role == "after_sales" and obs[0].queue == "after_sales" and obs[0].period_key == "2026"
    services.care_session_record(actor=users.svc, customer=c, kind="training", at=at(2026, 6, 1, 10))
    obs = [o for o in engine.evaluate(now=at(2026, 11, 26), rules=["A11.3"]) if o.customer_id == c.pk]
    assert obs[0].state == engine.MET


def test_tickets_import_from_another_system(users, key_account, customer_factory):
    from kam.service.models import Ticket
    from tests.exchange.helpers import run, xlsx_upload

    c = key_account()
    other = customer_factory("非大客户")
    rows = [["工单号", "客户", "报修时间", "问题描述", "需要上门", "响应时间"],
            ["EXT-1", c.credit_code, "2026/11/2 9:30", "床头板开裂", "是", "2026-11-02 10:00"],
            ["EXT-2", other.credit_code, "2026-11-02 09:30", "x", "否", ""]]
    _r, result = run(users.svc, "tickets", xlsx_upload("t.xlsx", rows))
    assert not result.ok and "第 3 行「客户」" in str(result.errors[0])
    _r, result = run(users.svc, "tickets", xlsx_upload("t.xlsx", rows[:2]))
    assert result.ok, [str(e) for e in result.errors]
    t = Ticket.objects.get(number="EXT-1")
    assert t.reported_at == at(2026, 11, 2, 9, 30) and t.status == "responded" and t.site_city == "佛山"
    o = clocks_of(t, at(2026, 11, 2, 12))
    assert o["A11.1"].state == engine.MET
    _r, again = run(users.svc, "tickets", xlsx_upload("t.xlsx", rows[:2]))
    assert again.counts.get("unchanged") == 1
