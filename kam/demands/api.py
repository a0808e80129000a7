"""Customer requests (A15) through the API — the same services as the pages."""

import datetime as dt
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kam.core.api_tools import Page50, meanings
from kam.core.bounds import BoundedDateTime
from kam.core.inputs import ApiId, EmptyIsNone
from kam.customers.selectors import customer_get
from kam.demands import selectors, services
from kam.demands.models import Department, RequestChannel, RequestKind, RequestStatus
from kam.obligations.api import ClockOut, subject_clocks
from kam.obligations.handoffs import handoff
from kam.users.models import User

router = Router(tags=["requests"])


class RequestOut(Schema):
    id: int
    number: str = Field(description="需求编号（XQ日期-序号）")
    customer_id: int
    kind: RequestKind = Field(description=meanings(RequestKind))
    kind_label: str = Field(description="类型（中文）")
    channel: RequestChannel = Field(description=meanings(RequestChannel))
    channel_label: str = Field(description="渠道（中文）")
    status: RequestStatus = Field(description=meanings(RequestStatus))
    status_label: str = Field(description="状态（中文）")
    received_at: dt.datetime
    summary: str
    responded_at: dt.datetime | None
    solution_at: dt.datetime | None
    department: Department | Literal[""] = Field(description="负责部门：" + meanings(Department) + "；空 = 未升级")
    department_label: str = Field(description="负责部门（中文）")
    assignee_id: int | None
    outcome: str
    ticket_id: int | None
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_kind_label(obj) -> str:
        return obj["kind_label"] if isinstance(obj, dict) else obj.get_kind_display()

    @staticmethod
    def resolve_channel_label(obj) -> str:
        return obj["channel_label"] if isinstance(obj, dict) else obj.get_channel_display()

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj["status_label"] if isinstance(obj, dict) else obj.get_status_display()

    @staticmethod
    def resolve_department_label(obj) -> str:
        return obj["department_label"] if isinstance(obj, dict) else obj.get_department_display()


LABELS = ("kind_label", "channel_label", "status_label", "department_label")


class RequestDetailOut(RequestOut):
    clocks: list[ClockOut]


class RequestIn(Schema):
    customer_id: ApiId
    kind: RequestKind = Field(description=meanings(RequestKind))
    channel: RequestChannel = Field(description=meanings(RequestChannel))
    summary: str
    received_at: BoundedDateTime | None = None
    ticket_id: ApiId | None = None


class TextIn(Schema):
    text: str


class RequestAssignIn(Schema):
    department: Department = Field(description=meanings(Department))
    assignee_id: ApiId


class FeedbackIn(Schema):
    to_person: str
    how: RequestChannel = Field(description=meanings(RequestChannel))
    at: BoundedDateTime
    note: str = ""


def _request_out(r):
    data = {f: getattr(r, f) for f in RequestOut.model_fields if f not in LABELS}
    data.update(kind_label=r.get_kind_display(), channel_label=r.get_channel_display(),
                status_label=r.get_status_display(), department_label=r.get_department_display())
    data["clocks"] = subject_clocks(["A15.1"], customer_id=r.customer_id, subject_type="request", subject_id=r.pk)
    return data


STATUS_FILTER = Field(description="只看某一状态：" + meanings(RequestStatus))


class RequestListOut(RequestOut):
    due_at: dt.datetime | None = Field(description="最早的未完成时限（A15.1 首次响应或初步方案）；无则为空")


@router.get("/", response=list[RequestListOut], summary="客户需求列表（按截止时间排序）")
@paginate(Page50)
def request_list(request: HttpRequest, status: Annotated[RequestStatus | Literal[""] | None, EmptyIsNone, STATUS_FILTER] = None):
    qs = selectors.request_list(user=request.user).order_by("due_sort", "-received_at", "-id")
    return qs.filter(status=status.value) if status else qs


@router.post("/", response={201: RequestDetailOut}, summary="登记需求（A15.1；维修需求自动建立工单）")
def request_create(request: HttpRequest, payload: RequestIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    ticket = handoff("repair").find(user=request.user, pk=payload.ticket_id) if payload.ticket_id else None
    r = services.request_log(actor=request.user, customer=customer, kind=payload.kind.value,
                             channel=payload.channel.value,
                             summary=payload.summary, received_at=payload.received_at, ticket=ticket)
    return Status(201, _request_out(r))


@router.get("/{request_id}", response=RequestDetailOut)
def request_get(request: HttpRequest, request_id: ApiId):
    return _request_out(selectors.request_get(user=request.user, pk=request_id))


@router.post("/{request_id}/respond", response=RequestDetailOut, summary="首次响应")
def request_respond(request: HttpRequest, request_id: ApiId, payload: TextIn):
    r = selectors.request_get(user=request.user, pk=request_id)
    return _request_out(services.request_respond(actor=request.user, request=r, response=payload.text))


@router.post("/{request_id}/solution", response=RequestDetailOut, summary="初步方案")
def request_solution(request: HttpRequest, request_id: ApiId, payload: TextIn):
    r = selectors.request_get(user=request.user, pk=request_id)
    return _request_out(services.request_propose_solution(actor=request.user, request=r,
                                                                 solution=payload.text))


@router.post("/{request_id}/escalate", response=RequestDetailOut, summary="升级给销售部负责人（A15.2）")
def request_escalate(request: HttpRequest, request_id: ApiId, payload: TextIn):
    r = selectors.request_get(user=request.user, pk=request_id)
    return _request_out(services.request_escalate(actor=request.user, request=r, note=payload.text))


@router.post("/{request_id}/assign", response=RequestDetailOut, summary="指派部门与负责人（A15.2/A4）")
def request_assign(request: HttpRequest, request_id: ApiId, payload: RequestAssignIn):
    r = selectors.request_get(user=request.user, pk=request_id)
    assignee = get_object_or_404(User, pk=payload.assignee_id)
    return _request_out(services.request_assign(actor=request.user, request=r, department=payload.department.value,
                                                       assignee=assignee))


@router.post("/{request_id}/outcome", response=RequestDetailOut, summary="记录处理结果")
def request_outcome(request: HttpRequest, request_id: ApiId, payload: TextIn):
    r = selectors.request_get(user=request.user, pk=request_id)
    return _request_out(services.request_record_outcome(actor=request.user, request=r, outcome=payload.text))


@router.post("/{request_id}/feedback", response=RequestDetailOut, summary="记录向客户的反馈（谁、告知谁、何时、方式）")
def request_feedback(request: HttpRequest, request_id: ApiId, payload: FeedbackIn):
    r = selectors.request_get(user=request.user, pk=request_id)
    services.request_feedback(actor=request.user, request=r, to_person=payload.to_person, how=payload.how.value,
                                     at=payload.at, note=payload.note)
    return _request_out(r)


@router.post("/{request_id}/close", response=RequestDetailOut, summary="关闭（须先记录反馈，A15.2）")
def request_close(request: HttpRequest, request_id: ApiId):
    r = selectors.request_get(user=request.user, pk=request_id)
    return _request_out(services.request_close(actor=request.user, request=r))
