"""Writes of customer requests (A15): log, respond, propose a solution, escalate, assign, outcome, feedback,
close. A repair request opens (or links to) an after-sales ticket: one record of the repair, two clocks."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kam.approvals.models import ApprovalState
from kam.approvals.services import approval_decide, approval_request
from kam.audit.services import audit_log
from kam.core.access import require_role
from kam.core.errors import AccessDenied, ApplicationError, InvalidTransition
from kam.customers.models import Customer
from kam.demands.models import (
    CustomerRequest,
    Department,
    Feedback,
    RequestChannel,
    RequestKind,
    RequestStatus,
)
from kam.obligations.handoffs import handoff
from kam.obligations.store import reflect
from kam.users.models import Role, User

LOGGERS = (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.AFTER_SALES, Role.MARKETING, Role.FINANCE)
DEPARTMENT_ROLE = {Department.AFTER_SALES: Role.AFTER_SALES, Department.MARKETING: Role.MARKETING,
                   Department.FINANCE: Role.FINANCE}


def _lock(req: CustomerRequest) -> CustomerRequest:
    return CustomerRequest.objects.select_for_update().select_related("customer").get(pk=req.pk)


def _may_work(actor: User, req: CustomerRequest) -> None:
    if actor.has_role(Role.HEAD_OF_SALES):
        return
    if req.customer.account_manager_id == actor.pk or req.assignee_id == actor.pk:
        return
    raise AccessDenied(_("只有客户经理、被指派的负责人或销售部负责人可以处理该需求。"))


def next_number(now: dt.datetime) -> str:
    """XQ<local date>-<n>: the day's next request number (the tickets' scheme, SH<date>-<n>)."""
    prefix = f"XQ{timezone.localtime(now):%Y%m%d}"
    n = CustomerRequest.objects.filter(number__startswith=prefix).count() + 1
    while CustomerRequest.objects.filter(number=f"{prefix}-{n:03d}").exists():
        n += 1
    return f"{prefix}-{n:03d}"


@transaction.atomic
def request_log(*, actor: User, customer: Customer, kind: str, channel: str, summary: str,
                received_at: dt.datetime | None = None, ticket=None, site_city: str = "",
                now: dt.datetime | None = None) -> CustomerRequest:
    """Logged by the account manager or anyone on their behalf; the clocks start at receipt (A15.1)."""
    require_role(actor, *LOGGERS, message=_("您没有登记客户需求的权限。"))
    if actor.is_account_manager and not actor.sees_all_customers and customer.account_manager_id != actor.pk:
        raise AccessDenied(_("只能为自己负责的客户登记需求。"))
    if kind not in RequestKind.values:
        raise ApplicationError(_("「类型」无效：%(k)s") % {"k": kind}, field="kind")
    if channel not in RequestChannel.values:
        raise ApplicationError(_("「渠道」无效：%(c)s") % {"c": channel}, field="channel")
    if not summary.strip():
        raise ApplicationError(_("请填写需求内容。"), field="summary", rule="A15.1")
    now = now or timezone.now()
    received_at = received_at or now
    if received_at > now:
        raise ApplicationError(_("「收到时间」不能晚于现在。"), field="received_at", rule="A15.1")
    if ticket is not None and (ticket.customer_id != customer.pk or ticket.status == "closed"):
        raise ApplicationError(_("只能关联该客户未关闭的工单。"), field="ticket", rule="A15.2")
    req = CustomerRequest.objects.create(number=next_number(now), customer=customer, kind=kind, channel=channel,
                                         received_at=received_at, summary=summary.strip(), logged_by=actor)
    if kind == RequestKind.REPAIR:
        if ticket is None:  # A15.2: a repair is an after-sales ticket, not a second record (A4 hand-off)
            ticket = handoff("repair").open(customer=customer, summary=summary.strip(), at=received_at,
                                            site_city=site_city, now=now)
        req.ticket = ticket
        req.save(update_fields=["ticket"])
    audit_log(actor=actor, action="demands.request.logged", target=req, rule="A15.1",
              changes={"number": req.number, "customer": customer.pk, "kind": kind, "channel": channel,
                       "received_at": received_at, "ticket": req.ticket_id})
    reflect(customer_ids={customer.pk}, touched={"request"})  # the clocks depending on it, at once
    return req


@transaction.atomic
def request_respond(*, actor: User, request: CustomerRequest, response: str, at: dt.datetime | None = None
                    ) -> CustomerRequest:
    """A15.1 first response (within `requests.response_hours`)."""
    req = _lock(request)
    _may_work(actor, req)
    if req.responded_at is not None:
        raise InvalidTransition(_("该需求已响应。"), field="status", rule="A15.1")
    if not response.strip():
        raise ApplicationError(_("请填写响应内容。"), field="response", rule="A15.1")
    req.responded_at, req.response = at or timezone.now(), response.strip()
    if req.status == RequestStatus.OPEN:
        req.status = RequestStatus.RESPONDED
    req.save()
    audit_log(actor=actor, action="demands.request.responded", target=req, rule="A15.1",
              changes={"at": req.responded_at})
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return req


@transaction.atomic
def request_propose_solution(*, actor: User, request: CustomerRequest, solution: str,
                             at: dt.datetime | None = None) -> CustomerRequest:
    """A15.1 preliminary solution (within `requests.solution_hours`)."""
    req = _lock(request)
    _may_work(actor, req)
    if not solution.strip():
        raise ApplicationError(_("请填写初步方案。"), field="solution", rule="A15.1")
    if req.status == RequestStatus.CLOSED:
        raise InvalidTransition(_("需求已关闭。"), field="status")
    if req.responded_at is None:
        req.responded_at, req.response = at or timezone.now(), solution.strip()
    if req.solution_at is None:
        req.solution_at = at or timezone.now()
    req.solution = solution.strip()
    if req.status == RequestStatus.OPEN:
        req.status = RequestStatus.RESPONDED
    req.save()
    audit_log(actor=actor, action="demands.request.solution_proposed", target=req, rule="A15.1",
              changes={"at": req.solution_at})
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return req


@transaction.atomic
def request_escalate(*, actor: User, request: CustomerRequest, note: str) -> CustomerRequest:
    """A15.2: a request needing another department goes to the head of sales at once."""
    req = _lock(request)
    _may_work(actor, req)
    if req.status in (RequestStatus.ESCALATED, RequestStatus.ASSIGNED, RequestStatus.SOLVED, RequestStatus.CLOSED):
        raise InvalidTransition(_("该需求已升级或已处理。"), field="status", rule="A15.2")
    if not note.strip():
        raise ApplicationError(_("请说明需要哪个部门协助及原因。"), field="note", rule="A15.2")
    req.status, req.escalated_at, req.escalation_note = RequestStatus.ESCALATED, timezone.now(), note.strip()
    req.save()
    audit_log(actor=actor, action="demands.request.escalated", target=req, rule="A15.2", changes={"note": note})
    # A15.2: the head of sales hears at once and finds it on "待我审批" until a department and person are assigned
    approval_request(kind="demands.escalation", subject=req, url=f"/requests/{req.pk}/", customer=req.customer,
                     title=f"{req.customer.name} · {req.get_kind_display()}：{req.summary[:60]}", requested_by=actor,
                     approver_role=Role.HEAD_OF_SALES,
                     note=_("第十五条：%(note)s。请指派部门与负责人。") % {"note": req.escalation_note[:100]})
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return req


@transaction.atomic
def request_assign(*, actor: User, request: CustomerRequest, department: str, assignee: User) -> CustomerRequest:
    """A15.2 / A4: the head of sales assigns one owning department and one person."""
    from kam.notify.services import notify_user

    require_role(actor, Role.HEAD_OF_SALES, message=_("只有销售部负责人可以指派部门（A15.2）。"))
    req = _lock(request)
    if req.status not in (RequestStatus.ESCALATED, RequestStatus.ASSIGNED):
        raise InvalidTransition(_("只有已升级的需求可以指派。"), field="status", rule="A15.2")
    if department not in Department.values:
        raise ApplicationError(_("「部门」无效。"), field="department", rule="A4")
    if not assignee.has_role(DEPARTMENT_ROLE[Department(department)]):
        raise ApplicationError(_("%(u)s 不属于%(d)s。") % {"u": assignee, "d": Department(department).label},
                               field="assignee", rule="A4")
    req.status, req.department, req.assignee, req.assigned_at = (RequestStatus.ASSIGNED, department, assignee,
                                                                 timezone.now())
    req.save()
    audit_log(actor=actor, action="demands.request.assigned", target=req, rule="A15.2",
              changes={"department": department, "assignee": assignee.pk})
    approval_decide(kind="demands.escalation", subject=req, actor=actor, state=ApprovalState.APPROVED,
                    word=_("已指派"), note=_("由%(d)s %(u)s 负责") % {"d": Department(department).label, "u": assignee})
    transaction.on_commit(lambda: notify_user(
        user=assignee, title=f"【指派给您】{req.customer.name} · {req.get_kind_display()}",
        body=f"A15.2 · 第十五条：{req.summary[:100]}", url=f"/requests/{req.pk}/", rule="A15.2",
        dedupe_key=f"request:{req.pk}:assigned:{req.assigned_at}"))
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return req


@transaction.atomic
def request_record_outcome(*, actor: User, request: CustomerRequest, outcome: str) -> CustomerRequest:
    req = _lock(request)
    _may_work(actor, req)
    if req.status == RequestStatus.CLOSED:
        raise InvalidTransition(_("需求已关闭。"), field="status")
    if req.status == RequestStatus.ESCALATED:
        raise InvalidTransition(_("已升级的需求须先由销售部负责人指派部门和负责人（A15.2）。"), field="status",
                                rule="A15.2")
    if not outcome.strip():
        raise ApplicationError(_("请填写处理结果。"), field="outcome")
    req.outcome, req.outcome_at, req.status = outcome.strip(), timezone.now(), RequestStatus.SOLVED
    if req.solution_at is None:
        req.solution_at = req.outcome_at
    if req.responded_at is None:
        req.responded_at = req.outcome_at
    req.save()
    audit_log(actor=actor, action="demands.request.outcome", target=req, rule="A15.2")
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return req


@transaction.atomic
def request_feedback(*, actor: User, request: CustomerRequest, to_person: str, how: str, at: dt.datetime,
                     note: str = "") -> Feedback:
    """A15.2: the outcome fed back to the customer — who told whom, when, how."""
    req = _lock(request)
    _may_work(actor, req)
    if not req.outcome:
        raise InvalidTransition(_("请先记录处理结果，再记录对客户的反馈。"), field="status", rule="A15.2")
    if not to_person.strip():
        raise ApplicationError(_("请填写告知的客户方人员。"), field="to_person", rule="A15.2")
    if how not in RequestChannel.values:
        raise ApplicationError(_("「方式」无效。"), field="how", rule="A15.2")
    if at > timezone.now() + dt.timedelta(minutes=5) or (req.outcome_at and at < req.outcome_at - dt.timedelta(days=1)):
        raise ApplicationError(_("反馈时间须在处理结果之后、现在之前。"), field="at", rule="A15.2")
    fb = Feedback.objects.create(request=req, by=actor, to_person=to_person.strip(), at=at, how=how,
                                 note=note.strip())
    audit_log(actor=actor, action="demands.request.feedback", target=req, rule="A15.2",
              changes={"to": to_person.strip(), "how": how, "at": at})
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return fb


@transaction.atomic
def request_close(*, actor: User, request: CustomerRequest) -> CustomerRequest:
    """A15.2: a request closes only after the outcome was fed back to the customer and recorded."""
    req = _lock(request)
    _may_work(actor, req)
    if req.status == RequestStatus.CLOSED:
        raise InvalidTransition(_("需求已关闭。"), field="status")
    if not req.feedback.exists():
        raise InvalidTransition(_("须先向客户反馈处理结果并记录（谁、告知谁、何时、何种方式），才能关闭（A15.2）。"),
                                field="feedback", rule="A15.2")
    req.status, req.closed_at = RequestStatus.CLOSED, timezone.now()
    req.save()
    audit_log(actor=actor, action="demands.request.closed", target=req, rule="A15.2")
    reflect(customer_ids={req.customer_id}, touched={"request"})  # the clocks depending on it, at once
    return req
