"""What is due, through the API (issue 11): my obligations, a department's queue, the compliance aggregate,
open alerts and their acknowledgement — on the same selectors as the pages, paged. One subject's clocks are
embedded in the ticket, request and visit answers (`subject_clocks`)."""


import datetime as dt
from enum import StrEnum
from typing import Literal

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Router, Schema
from ninja.pagination import paginate

from kam.core.api_tools import Page50, meanings
from kam.obligations import selectors, store
from kam.obligations.models import OPEN_STATES, Alert, AlertKind, State, StoredObligation
from kam.users.models import Role

router = Router(tags=["obligations"])


class ClockOut(Schema):
    rule: str
    due_at: dt.datetime
    state: State = Field(description=meanings(State))
    met_at: dt.datetime | None


def subject_clocks(rule_ids: list[str], *, customer_id: int, subject_type: str, subject_id: int) -> list[dict]:
    """The stored clocks of one subject (the customer id is kept for callers; rows are found by subject)."""
    return [{"rule": o.rule, "due_at": o.due_at, "state": o.state, "met_at": o.met_at}
            for o in selectors.subject_clocks(subject_type=subject_type, subject_id=subject_id, rules=rule_ids)]


class Scope(StrEnum):
    OPEN = "open"
    ALL = "all"


class QueueDepartment(StrEnum):
    AFTER_SALES = "after_sales"
    MARKETING = "marketing"
    FINANCE = "finance"


class ObligationOut(Schema):
    id: int
    rule: str
    subject_type: str
    subject_id: int
    customer_id: int | None
    label: str
    url: str
    window_start: dt.datetime
    due_at: dt.datetime
    state: State = Field(description=meanings(State))
    required: int
    done: int
    met_at: dt.datetime | None
    owner_id: int | None
    owner_role: Role | Literal[""] = Field(description="负责的角色（无具体负责人时）：" + meanings(Role) + "；空 = 具体负责人")
    queue: QueueDepartment | Literal[""] = Field(description="所在部门队列（A4）；空 = 不在部门队列")
    provisional: bool
    acknowledged_at: dt.datetime | None


QUEUE_ROLES = {QueueDepartment.AFTER_SALES: Role.AFTER_SALES, QueueDepartment.MARKETING: Role.MARKETING,
               QueueDepartment.FINANCE: Role.FINANCE}


@router.get("/mine", response=list[ObligationOut], summary="我的待办（我负责、我关注或我的角色负责的义务，按到期排序）")
@paginate(Page50)
def my_obligations(request: HttpRequest, scope: Scope = Scope.OPEN):
    qs = selectors.live().filter(selectors.concerning(request.user))
    if scope == Scope.OPEN:
        qs = qs.filter(state__in=OPEN_STATES)
    return qs.order_by("due_at", "rule", "id")


@router.get("/queues/{department}", response=list[ObligationOut], summary="部门工作队列（A4；未完成事项，按到期排序）")
@paginate(Page50)
def queue(request: HttpRequest, department: QueueDepartment, mine: bool = False):
    if not request.user.has_role(QUEUE_ROLES[department], Role.HEAD_OF_SALES, Role.MANAGEMENT):
        raise Http404
    return selectors.queue(department=department.value, owner=request.user if mine else None)


class CellOut(Schema):
    owner_key: str
    owner: str
    rule: str
    met: int
    open: int
    breached: int


class WeekOut(Schema):
    week: str
    due: int
    met: int
    percent: int | None


class ComplianceOut(Schema):
    cells: list[CellOut]
    trend: list[WeekOut]


@router.get("/compliance", response=ComplianceOut, summary="执行总览（按负责人与规则；近 8 周趋势；销售部负责人与管理层）")
def compliance(request: HttpRequest):
    overview = selectors.compliance(user=request.user)
    cells = [{"owner_key": row.owner_key, "owner": row.owner, "rule": rule, "met": c.get("met", 0),
              "open": c.get("open", 0), "breached": c.get("breached", 0)}
             for row in overview.rows for rule, c in row.cells.items() if c]
    return {"cells": cells, "trend": [{"week": w.key, "due": w.due, "met": w.met, "percent": w.percent}
                                      for w in overview.trend]}


class AlertOut(Schema):
    id: int
    rule: str
    kind: AlertKind = Field(description=meanings(AlertKind))
    label: str
    url: str
    due_at: dt.datetime
    created_at: dt.datetime
    obligation_id: int | None


@router.get("/alerts", response=list[AlertOut], summary="我未关闭的提醒（即将到期与逾期）")
@paginate(Page50)
def alerts(request: HttpRequest):
    user = request.user
    return Alert.objects.filter(resolved_at__isnull=True).filter(
        selectors.alerts_concerning(user)).order_by("-created_at", "-id")


class AcknowledgeIn(Schema):
    note: str


@router.post("/{obligation_id}/acknowledge", response=ObligationOut, summary="说明一项已逾期的义务（负责人或销售部负责人；留痕）")
def acknowledge(request: HttpRequest, payload: AcknowledgeIn, obligation_id: int = Path(..., ge=1, le=2**63 - 1)):
    row = get_object_or_404(StoredObligation.objects.filter(
        selectors.concerning(request.user) | selectors.head_scope(request.user)), pk=obligation_id)
    return store.obligation_acknowledge(actor=request.user, obligation=row, note=payload.note)
