"""Tickets (A11) and customer requests (A15) through the API — the same services as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.responses import Status

from kam.core.errors import ApplicationError
from kam.customers.selectors import customer_get
from kam.demands import selectors as demand_selectors
from kam.demands import services as demand_services
from kam.obligations import engine
from kam.service import selectors, services
from kam.users.models import Role, User

tickets_router = Router(tags=["tickets"])
requests_router = Router(tags=["requests"])


class Page50(PageNumberPagination):
    page_size = 50


class ClockOut(Schema):
    rule: str
    due_at: dt.datetime
    state: str
    met_at: dt.datetime | None


class TicketOut(Schema):
    id: int
    number: str
    customer_id: int
    status: str
    reported_at: dt.datetime
    problem: str
    site_city: str
    onsite_needed: bool | None
    technician_id: int | None
    responded_at: dt.datetime | None
    on_site_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class TicketDetailOut(TicketOut):
    clocks: list[ClockOut]


class TicketIn(Schema):
    customer_id: int
    problem: str
    reported_at: dt.datetime | None = None
    site_city: str = ""
    site_address: str = ""
    product_ref: str = ""


class TransitionIn(Schema):
    action: str  # respond | schedule | on_site | resolve | close | reopen
    note: str = ""
    onsite_needed: bool | None = None
    technician_id: int | None = None
    scheduled_for: dt.datetime | None = None
    resolution: str = ""


class PauseIn(Schema):
    reason: str
    later_date: dt.date | None = None


def _clocks(rule_ids, customer_id, subject_id):
    return [{"rule": o.rule, "due_at": o.due_at, "state": o.state, "met_at": o.met_at}
            for o in engine.evaluate(rules=rule_ids, customer_ids={customer_id}) if o.subject_id == subject_id]


def _ticket_out(t):
    data = {f: getattr(t, f) for f in TicketOut.model_fields}
    data["clocks"] = _clocks(["A11.1", "A11.2"], t.customer_id, t.pk)
    return data


@tickets_router.get("/", response=list[TicketOut], summary="工单列表（按权限范围）")
@paginate(Page50)
def ticket_list(request: HttpRequest, status: str = ""):
    qs = selectors.tickets(user=request.user).order_by("-reported_at")
    return qs.filter(status=status) if status else qs


@tickets_router.post("/", response={201: TicketDetailOut}, summary="登记工单（A11）")
def ticket_create(request: HttpRequest, payload: TicketIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    t = services.ticket_open(actor=request.user, customer=customer, problem=payload.problem,
                             reported_at=payload.reported_at, site_city=payload.site_city,
                             site_address=payload.site_address, product_ref=payload.product_ref)
    return Status(201, _ticket_out(t))


@tickets_router.get("/{ticket_id}", response=TicketDetailOut, summary="工单与时限")
def ticket_get(request: HttpRequest, ticket_id: int):
    return _ticket_out(selectors.ticket_get(user=request.user, pk=ticket_id))


@tickets_router.post("/{ticket_id}/transition", response=TicketDetailOut, summary="响应/安排/到场/解决/关闭/重开")
def ticket_transition(request: HttpRequest, ticket_id: int, payload: TransitionIn):
    t = selectors.ticket_get(user=request.user, pk=ticket_id)
    tech = get_object_or_404(User, pk=payload.technician_id, role_grants__role=Role.AFTER_SALES) \
        if payload.technician_id else None
    if payload.action in ("respond", "reopen"):
        if payload.action == "respond" and payload.onsite_needed is None:
            raise ApplicationError("首次响应时须确定是否需要上门（A11.2）", field="onsite_needed", rule="A11.2")
        t = services.ticket_respond(actor=request.user, ticket=t, note=payload.note,
                                    onsite_needed=bool(payload.onsite_needed), technician=tech)
    elif payload.action == "schedule":
        if payload.scheduled_for is None:
            raise ApplicationError("请填写上门时间", field="scheduled_for")
        t = services.ticket_schedule(actor=request.user, ticket=t, scheduled_for=payload.scheduled_for, technician=tech)
    elif payload.action == "on_site":
        t = services.ticket_on_site(actor=request.user, ticket=t)
    elif payload.action == "resolve":
        t = services.ticket_resolve(actor=request.user, ticket=t, resolution=payload.resolution)
    elif payload.action == "close":
        t = services.ticket_close(actor=request.user, ticket=t)
    else:
        raise ApplicationError(f"未知操作：{payload.action}", field="action")
    return _ticket_out(t)


@tickets_router.post("/{ticket_id}/pause", response=TicketDetailOut, summary="暂停上门计时（售后，A11.2）")
def ticket_pause(request: HttpRequest, ticket_id: int, payload: PauseIn):
    t = selectors.ticket_get(user=request.user, pk=ticket_id)
    services.ticket_pause(actor=request.user, ticket=t, reason=payload.reason, later_date=payload.later_date)
    return _ticket_out(t)


@tickets_router.post("/{ticket_id}/resume", response=TicketDetailOut, summary="恢复上门计时")
def ticket_resume(request: HttpRequest, ticket_id: int):
    t = selectors.ticket_get(user=request.user, pk=ticket_id)
    services.ticket_resume(actor=request.user, ticket=t)
    return _ticket_out(t)


class RequestOut(Schema):
    id: int
    customer_id: int
    kind: str
    channel: str
    status: str
    received_at: dt.datetime
    summary: str
    responded_at: dt.datetime | None
    solution_at: dt.datetime | None
    department: str
    assignee_id: int | None
    outcome: str
    ticket_id: int | None
    closed_at: dt.datetime | None


class RequestDetailOut(RequestOut):
    clocks: list[ClockOut]


class RequestIn(Schema):
    customer_id: int
    kind: str
    channel: str
    summary: str
    received_at: dt.datetime | None = None
    ticket_id: int | None = None


class TextIn(Schema):
    text: str


class AssignIn(Schema):
    department: str
    assignee_id: int


class FeedbackIn(Schema):
    to_person: str
    how: str
    at: dt.datetime
    note: str = ""


def _request_out(r):
    data = {f: getattr(r, f) for f in RequestOut.model_fields}
    data["clocks"] = _clocks(["A15.1"], r.customer_id, r.pk)
    return data


@requests_router.get("/", response=list[RequestOut], summary="客户需求列表")
@paginate(Page50)
def request_list(request: HttpRequest, status: str = ""):
    qs = demand_selectors.requests_visible(user=request.user).order_by("-received_at")
    return qs.filter(status=status) if status else qs


@requests_router.post("/", response={201: RequestDetailOut}, summary="登记需求（A15.1；维修需求自动建立工单）")
def request_create(request: HttpRequest, payload: RequestIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    ticket = selectors.ticket_get(user=request.user, pk=payload.ticket_id) if payload.ticket_id else None
    r = demand_services.request_log(actor=request.user, customer=customer, kind=payload.kind, channel=payload.channel,
                                    summary=payload.summary, received_at=payload.received_at, ticket=ticket)
    return Status(201, _request_out(r))


@requests_router.get("/{request_id}", response=RequestDetailOut)
def request_get(request: HttpRequest, request_id: int):
    return _request_out(demand_selectors.request_get(user=request.user, pk=request_id))


@requests_router.post("/{request_id}/respond", response=RequestDetailOut, summary="首次响应")
def request_respond(request: HttpRequest, request_id: int, payload: TextIn):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    return _request_out(demand_services.request_respond(actor=request.user, request=r, response=payload.text))


@requests_router.post("/{request_id}/solution", response=RequestDetailOut, summary="初步方案")
def request_solution(request: HttpRequest, request_id: int, payload: TextIn):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    return _request_out(demand_services.request_propose_solution(actor=request.user, request=r,
                                                                 solution=payload.text))


@requests_router.post("/{request_id}/escalate", response=RequestDetailOut, summary="升级给销售部负责人（A15.2）")
def request_escalate(request: HttpRequest, request_id: int, payload: TextIn):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    return _request_out(demand_services.request_escalate(actor=request.user, request=r, note=payload.text))


@requests_router.post("/{request_id}/assign", response=RequestDetailOut, summary="指派部门与负责人（A15.2/A4）")
def request_assign(request: HttpRequest, request_id: int, payload: AssignIn):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    assignee = get_object_or_404(User, pk=payload.assignee_id)
    return _request_out(demand_services.request_assign(actor=request.user, request=r, department=payload.department,
                                                       assignee=assignee))


@requests_router.post("/{request_id}/outcome", response=RequestDetailOut, summary="记录处理结果")
def request_outcome(request: HttpRequest, request_id: int, payload: TextIn):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    return _request_out(demand_services.request_record_outcome(actor=request.user, request=r, outcome=payload.text))


@requests_router.post("/{request_id}/feedback", response=RequestDetailOut, summary="记录向客户的反馈（谁、告知谁、何时、方式）")
def request_feedback(request: HttpRequest, request_id: int, payload: FeedbackIn):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    demand_services.request_feedback(actor=request.user, request=r, to_person=payload.to_person, how=payload.how,
                                     at=payload.at, note=payload.note)
    return _request_out(r)


@requests_router.post("/{request_id}/close", response=RequestDetailOut, summary="关闭（须先记录反馈，A15.2）")
def request_close(request: HttpRequest, request_id: int):
    r = demand_selectors.request_get(user=request.user, pk=request_id)
    return _request_out(demand_services.request_close(actor=request.user, request=r))
