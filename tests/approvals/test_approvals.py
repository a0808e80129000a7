"""Issue 13: approvals reach their approvers, and every workflow step reaches the people who must act or who
are affected — one mechanism for every kind (a registration, not a new page)."""

import pytest

from kam.approvals.models import Approval, ApprovalState
from kam.approvals.selectors import waiting_for
from kam.notify.models import Notification
from kam.qualification import services
from kam.qualification.models import Candidate

pytestmark = pytest.mark.django_db


def titles(user):
    return [n.title for n in Notification.objects.filter(recipient=user)]


def test_a51_review_submitted_reaches_management_and_its_approval_the_head_and_the_account_managers(
        users, qualified, client):
    gained = qualified("华美酒店", "5000000", manager=users.am1)
    kept = qualified("远景地产", "4000000", manager=users.am2)
    review = services.review_open(actor=users.head, year=2026)
    assert Candidate.objects.filter(review=review).count() == 2
    services.review_submit(actor=users.head, review=review)
    # management: on "待我审批" (with its count in the navigation) and in the inbox
    waiting = list(waiting_for(user=users.mgmt))
    assert [a.kind for a in waiting] == ["qualification.review"] and waiting[0].approver_role == "management"
    assert any("待审批" in t and "年度大客户名单" in t for t in titles(users.mgmt))
    assert not waiting_for(user=users.head).exists() and not waiting_for(user=users.am1).exists()
    client.force_login(users.mgmt)
    body = client.get("/approvals/").content.decode()
    assert "年度大客户名单" in body and f"/designation/reviews/{review.pk}/" in body
    assert "待我审批" in body and 'class="badge">1<' in body  # the navigation's count
    services.review_approve(actor=users.mgmt, review=review)
    assert not waiting_for(user=users.mgmt).exists()
    assert Approval.objects.get(subject_id=review.pk, kind="qualification.review").state == ApprovalState.APPROVED
    assert any("已批准" in t for t in titles(users.head))
    # each account manager hears which of their customers became key accounts
    am1_notes = Notification.objects.filter(recipient=users.am1, title__contains="大客户名单变化")
    assert am1_notes.count() == 1 and "华美酒店" in am1_notes.get().body
    assert "远景地产" in Notification.objects.get(recipient=users.am2, title__contains="大客户名单变化").body
    del gained, kept


def test_a51_returned_review_tells_the_head_with_the_comment(users, qualified):
    qualified("华美酒店", "5000000", manager=users.am1)
    review = services.review_open(actor=users.head, year=2026)
    services.review_submit(actor=users.head, review=review)
    services.review_return(actor=users.mgmt, review=review, comment="请复核华美酒店")
    note = Notification.objects.get(recipient=users.head, title__contains="已退回")
    assert "请复核华美酒店" in note.body
    assert not waiting_for(user=users.mgmt).exists()


def test_a52_midyear_proposal_waits_for_management(users, qualified):
    from kam.qualification.models import Designation, TierChange

    c = qualified("华美酒店", "5000000", manager=users.am1)
    d = Designation.objects.create(customer=c, source="initial_list", tier="core",
                                   started_at=__import__("django.utils.timezone").utils.timezone.now())
    TierChange.objects.create(customer=c, designation=d, tier="core", effective_at=d.started_at)
    proposal = services.proposal_create(actor=users.head, customer=c, kind="removal", reason="经营风险")
    assert [a.title for a in waiting_for(user=users.mgmt)] == ["移出：华美酒店"]
    services.proposal_decide(actor=users.mgmt, proposal=proposal, approve=False, comment="继续观察")
    assert not waiting_for(user=users.mgmt).exists()
    assert "继续观察" in Notification.objects.get(recipient=users.am1, title__contains="已拒绝").body


def test_a92_handover_reaches_both_account_managers(users, customer_factory):
    from kam.qualification.services import portfolio_assign

    c = customer_factory("华美酒店", manager=users.am1)
    portfolio_assign(actor=users.head, customer=c, manager=users.am2, reason="区域调整")
    assert Notification.objects.filter(recipient=users.am2, title__contains="由您负责").count() == 1
    assert Notification.objects.filter(recipient=users.am1, title__contains="交给").count() == 1


def test_a23_policy_version_submitted_waits_for_management_and_publication_reaches_everyone(users):
    from django.utils import timezone

    from kam.policy import services as policy
    from kam.policy.schema import default_values

    values = default_values()
    values["service.response_hours"] = 3
    version = policy.policy_version_draft(actor=users.head, values=values, note="缩短响应")
    policy.policy_version_submit(actor=users.head, version=version)
    assert [a.kind for a in waiting_for(user=users.mgmt)] == ["policy.version"]
    policy.policy_version_publish(actor=users.mgmt, version=version, effective_from=timezone.now())
    assert not waiting_for(user=users.mgmt).exists()
    for user in (users.am1, users.svc, users.fin, users.head):
        assert Notification.objects.filter(recipient=user, title__contains="政策发布").count() == 1


def test_a152_escalated_request_waits_for_the_head_until_assigned(users, customer_factory):
    from django.utils import timezone

    from kam.demands import services as demands
    from tests.obligations.test_pages import _designate

    c = customer_factory("华美酒店", manager=users.am1)
    _designate(c)
    req = demands.request_log(actor=users.am1, customer=c, kind="customisation", channel="phone",
                              summary="定制尺寸", received_at=timezone.now())
    demands.request_escalate(actor=users.am1, request=req, note="需要市场部打样")
    assert [a.kind for a in waiting_for(user=users.head)] == ["demands.escalation"]
    demands.request_assign(actor=users.head, request=req, department="marketing", assignee=users.mkt)
    assert not waiting_for(user=users.head).exists()
    assert Notification.objects.filter(recipient=users.am1, title__contains="已指派").count() == 1
