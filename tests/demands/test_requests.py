"""Customer requests (A15): clocks in working hours by default, escalation across departments (A15.2, A4),
feedback before closing, a repair request is one record with the ticket."""

import datetime as dt

import pytest

from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.demands import services
from kam.obligations import engine
from tests.service.conftest import at

pytestmark = pytest.mark.django_db


def clocks(req, now):
    return {o.period_key.rsplit(":", 1)[1]: o for o in engine.evaluate(now=now, rules=["A15.1"])
            if o.subject_id == req.pk}


def test_a151_working_hours_by_default(users, key_account):
    # received Friday 2026-11-27 17:30 (09:00–18:00 days): 1 working hour → Monday 11-30 09:30;
    # 24 working hours → 0.5 h Friday + 9 h Monday + 9 h Tuesday + 5.5 h → Wednesday 12-02 14:30
    received = at(2026, 11, 27, 17, 30)
    req = services.request_log(actor=users.am1, customer=key_account(), kind="customisation", channel="wechat",
                               summary="客房衣柜加高 10 厘米", received_at=received, now=received)
    c = clocks(req, at(2026, 11, 27, 18))
    assert c["response"].due_at == at(2026, 11, 30, 9, 30)
    assert c["solution"].due_at == at(2026, 12, 2, 14, 30)
    assert c["response"].owner_id == users.am1.pk


def test_a152_escalation_end_to_end_and_feedback_before_close(users, key_account):
    req = services.request_log(actor=users.am1, customer=key_account(), kind="delivery_change", channel="phone",
                               summary="第二批货改送南海新店")
    services.request_respond(actor=users.am1, request=req, response="已收到，协调中")
    with pytest.raises(AccessDenied):
        services.request_assign(actor=users.am1, request=req, department="after_sales", assignee=users.svc)
    services.request_escalate(actor=users.am1, request=req, note="需要物流与售后安排")
    req.refresh_from_db()
    assert req.status == "escalated"
    c = clocks(req, dt.datetime.now(dt.UTC))
    assert c["solution"].owner_role == "head_of_sales"
    with pytest.raises(ApplicationError):
        services.request_assign(actor=users.head, request=req, department="finance", assignee=users.svc)
    services.request_assign(actor=users.head, request=req, department="after_sales", assignee=users.svc)
    c = clocks(req, dt.datetime.now(dt.UTC))
    assert c["solution"].owner_id == users.svc.pk and c["solution"].queue == "after_sales"
    with pytest.raises(InvalidTransition):
        services.request_feedback(actor=users.svc, request=req, to_person="林董", how="phone",
                                  at=dt.datetime.now(dt.UTC))  # no outcome yet
    services.request_record_outcome(actor=users.svc, request=req, outcome="周五改送南海新店")
    with pytest.raises(InvalidTransition) as exc:
        services.request_close(actor=users.am1, request=req)
    assert exc.value.rule == "A15.2"
    services.request_feedback(actor=users.am1, request=req, to_person="采购总监林先生", how="phone",
                              at=dt.datetime.now(dt.UTC), note="已电话告知")
    services.request_close(actor=users.am1, request=req)
    req.refresh_from_db()
    assert req.status == "closed" and req.feedback.get().to_person == "采购总监林先生"


def test_escalation_notifies_head_at_once(users, key_account, django_capture_on_commit_callbacks):
    from kam.notify.models import Notification

    req = services.request_log(actor=users.am1, customer=key_account(), kind="customisation", channel="phone",
                               summary="定制前台")
    with django_capture_on_commit_callbacks(execute=True):
        services.request_escalate(actor=users.am1, request=req, note="需要市场部打样")
    n = Notification.objects.get(recipient=users.head, rule="A15.2")
    assert "需求升级" in n.title


def test_a152_repair_request_and_its_ticket_are_one_repair(users, key_account):
    from kam.service.models import Ticket
    from kam.service.services import ticket_open

    c = key_account()
    req = services.request_log(actor=users.am1, customer=c, kind="repair", channel="phone", summary="餐椅腿松动")
    assert Ticket.objects.count() == 1 and req.ticket.problem == "餐椅腿松动"
    assert req.ticket.reported_at == req.received_at
    rules = {o.rule for o in engine.evaluate(rules=["A11.1", "A15.1"], customer_ids={c.pk})}
    assert rules == {"A11.1", "A15.1"}  # two clocks, one repair
    open_ticket = ticket_open(actor=users.svc, customer=c, problem="沙发塌陷")
    linked = services.request_log(actor=users.am1, customer=c, kind="repair", channel="wechat",
                                  summary="沙发塌陷（补充照片）", ticket=open_ticket)
    assert linked.ticket == open_ticket and Ticket.objects.count() == 2


def test_only_manager_or_assignee_works_a_request(users, key_account):
    req = services.request_log(actor=users.svc, customer=key_account(), kind="other", channel="email",
                               summary="索取环保检测报告")
    with pytest.raises(AccessDenied):
        services.request_respond(actor=users.am2, request=req, response="x")
    services.request_respond(actor=users.am1, request=req, response="本周内提供")
