"""Tickets (A11) through the API — the same services as the pages."""

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kam.core.api_tools import Page50, meanings
from kam.core.bounds import BoundedDate, BoundedDateTime
from kam.core.errors import ApplicationError
from kam.core.inputs import ApiId, EmptyIsNone
from kam.customers.selectors import customer_get
from kam.obligations.api import ClockOut, subject_clocks
from kam.service import selectors, services
from kam.service.forms import ONSITE_UNDECIDED, technicians
from kam.service.models import ConfirmChannel, PauseReason, TicketStatus

tickets_router = Router(tags=["tickets"])


class TicketOut(Schema):
    id: int
    number: str
    customer_id: int
    status: TicketStatus = Field(description=meanings(TicketStatus))
    status_label: str = Field(description="状态（中文）")
    reported_at: dt.datetime
    problem: str
    site_city: str
    onsite_needed: bool | None
    technician_id: int | None
    responded_at: dt.datetime | None
    on_site_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    confirmed_by: str = Field(description="关闭时确认解决的客户方人员")
    confirmed_at: dt.datetime | None = Field(description="客户确认时间")
    confirmed_via: ConfirmChannel | Literal[""] = Field(description=meanings(ConfirmChannel) + "；空 = 未关闭")

    @staticmethod
    def resolve_status_label(obj) -> str:
        return obj["status_label"] if isinstance(obj, dict) else obj.get_status_display()


class TicketDetailOut(TicketOut):
    clocks: list[ClockOut]


class TicketIn(Schema):
    customer_id: ApiId
    problem: str
    reported_at: BoundedDateTime | None = None
    site_city: str = ""
    site_address: str = ""
    product_ref: str = ""


class TicketAction(StrEnum):
    """The transitions of a ticket: each is one service, the same the ticket page's action views call."""

    RESPOND = "respond"
    SCHEDULE = "schedule"
    ON_SITE = "on_site"
    RESOLVE = "resolve"
    CLOSE = "close"
    REOPEN = "reopen"


class TransitionIn(Schema):
    action: TicketAction = Field(description="respond = 首次响应；schedule = 安排上门；on_site = 到达现场；resolve = 已解决；"
                                             "close = 客户确认后关闭；reopen = 重新打开")
    note: str = ""
    onsite_needed: bool | None = None
    technician_id: ApiId | None = None
    scheduled_for: BoundedDateTime | None = None
    resolution: str = ""
    at: BoundedDateTime | None = Field(None, description="on_site：实际到达现场的时间（默认现在；不早于报修时间、不晚于现在）")
    confirmed_by: str = Field("", description="close：确认解决的客户方人员（必填）")
    confirmed_via: ConfirmChannel | None = Field(None, description="close：确认方式（必填）：" + meanings(ConfirmChannel))
    confirmed_at: BoundedDateTime | None = Field(None, description="close：客户确认时间（默认现在；不早于解决时间）")


class PauseIn(Schema):
    reason: PauseReason = Field(description=meanings(PauseReason))
    later_date: BoundedDate | None = None



def _ticket_out(t):
    data = {f: getattr(t, f) for f in TicketOut.model_fields if f != "status_label"}
    data["status_label"] = t.get_status_display()
    data["clocks"] = subject_clocks(["A11.1", "A11.2"], customer_id=t.customer_id, subject_type="ticket",
                                    subject_id=t.pk)
    return data


STATUS_FILTER = Field(description="只看某一状态：" + meanings(TicketStatus))


class TicketListOut(TicketOut):
    due_at: dt.datetime | None = Field(description="最早的未完成时限（A11.1 响应或 A11.2 上门）；无则为空")


@tickets_router.get("/", response=list[TicketListOut], summary="工单列表（按权限范围，按截止时间排序）")
@paginate(Page50)
def ticket_list(request: HttpRequest, status: Annotated[TicketStatus | Literal[""] | None, EmptyIsNone, STATUS_FILTER] = None):
    qs = selectors.ticket_list(user=request.user).order_by("due_sort", "-reported_at", "-id")
    if status:
        qs = qs.filter(status=status.value)
    return qs


@tickets_router.post("/", response={201: TicketDetailOut}, summary="登记工单（A11）")
def ticket_create(request: HttpRequest, payload: TicketIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    t = services.ticket_open(actor=request.user, customer=customer, problem=payload.problem,
                             reported_at=payload.reported_at, site_city=payload.site_city,
                             site_address=payload.site_address, product_ref=payload.product_ref)
    return Status(201, _ticket_out(t))


@tickets_router.get("/{ticket_id}", response=TicketDetailOut, summary="工单与时限")
def ticket_get(request: HttpRequest, ticket_id: ApiId):
    return _ticket_out(selectors.ticket_get(user=request.user, pk=ticket_id))


@tickets_router.post("/{ticket_id}/transition", response=TicketDetailOut, summary="响应/安排/到场/解决/关闭/重开")
def ticket_transition(request: HttpRequest, ticket_id: ApiId, payload: TransitionIn):
    t = selectors.ticket_get(user=request.user, pk=ticket_id)
    tech = get_object_or_404(technicians(), pk=payload.technician_id) if payload.technician_id else None
    action = payload.action
    if action in (TicketAction.RESPOND, TicketAction.REOPEN):
        if action == TicketAction.RESPOND and payload.onsite_needed is None:
            raise ApplicationError(ONSITE_UNDECIDED, field="onsite_needed", rule="A11.2")
        t = services.ticket_respond(actor=request.user, ticket=t, note=payload.note,
                                    onsite_needed=bool(payload.onsite_needed), technician=tech)
    elif action == TicketAction.SCHEDULE:
        if payload.scheduled_for is None:
            raise ApplicationError("请填写上门时间", field="scheduled_for")
        t = services.ticket_schedule(actor=request.user, ticket=t, scheduled_for=payload.scheduled_for, technician=tech)
    elif action == TicketAction.ON_SITE:
        t = services.ticket_on_site(actor=request.user, ticket=t, at=payload.at)
    elif action == TicketAction.RESOLVE:
        t = services.ticket_resolve(actor=request.user, ticket=t, resolution=payload.resolution)
    else:
        t = services.ticket_close(actor=request.user, ticket=t, confirmed_by=payload.confirmed_by,
                                  confirmed_via=payload.confirmed_via.value if payload.confirmed_via else "",
                                  confirmed_at=payload.confirmed_at)
    return _ticket_out(t)


@tickets_router.post("/{ticket_id}/pause", response=TicketDetailOut, summary="暂停上门计时（售后，A11.2）")
def ticket_pause(request: HttpRequest, ticket_id: ApiId, payload: PauseIn):
    t = selectors.ticket_get(user=request.user, pk=ticket_id)
    services.ticket_pause(actor=request.user, ticket=t, reason=payload.reason.value, later_date=payload.later_date)
    return _ticket_out(t)


@tickets_router.post("/{ticket_id}/resume", response=TicketDetailOut, summary="恢复上门计时")
def ticket_resume(request: HttpRequest, ticket_id: ApiId):
    t = selectors.ticket_get(user=request.user, pk=ticket_id)
    services.ticket_resume(actor=request.user, ticket=t)
    return _ticket_out(t)
