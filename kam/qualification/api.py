"""Designation through the API: criteria, reviews (open, candidates, decide, submit, approve/return),
key accounts and tiers, mid-year proposals, portfolios and assignments — the same services as the pages."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kam.core.api_tools import Page50, meanings
from kam.core.bounds import BoundedDate
from kam.core.inputs import ApiId, EmptyIsNone
from kam.customers.models import CustomerType
from kam.customers.selectors import customer_get
from kam.policy.schema import SETTINGS
from kam.policy.selectors import policy_in_force
from kam.qualification import selectors, services, workspace
from kam.qualification.models import Decision, ProposalKind, ProposalStatus, ReviewKind, ReviewStatus, Tier
from kam.users.selectors import account_managers

router = Router(tags=["designation"])


class CriterionOut(Schema):
    name: str
    rule: str
    label: str
    value: object
    display: str


class CriteriaOut(Schema):
    version: int
    effective_from: datetime | None
    criteria: list[CriterionOut]


@router.get("/criteria", response=CriteriaOut, summary="大客户认定标准（A2.1/A2.3）")
def criteria(request: HttpRequest):
    policy = policy_in_force(at=timezone.now())
    return {"version": policy.number, "effective_from": policy.effective_from,
            "criteria": [{"name": n, "rule": SETTINGS[n].rule, "label": str(SETTINGS[n].label),
                          "value": policy.raw[n], "display": policy.display(n)}
                         for n in SETTINGS if n.startswith("qualification.")]}


class ReviewOut(Schema):
    id: int
    kind: ReviewKind = Field(description=meanings(ReviewKind))
    year: int
    status: ReviewStatus = Field(description=meanings(ReviewStatus))
    period_start: date
    period_end: date
    policy_number: int
    approved_at: datetime | None
    effective_at: datetime | None
    return_comment: str


class ReviewOpenIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100)


@router.get("/reviews", response=list[ReviewOut], summary="评审列表")
def review_list(request: HttpRequest):
    return list(selectors.reviews(user=request.user))


@router.post("/reviews", response={201: ReviewOut}, summary="开启年度评审并生成草稿（A5.1，销售部负责人）")
def review_open(request: HttpRequest, payload: ReviewOpenIn):
    return Status(201, services.review_open(actor=request.user, year=payload.year))


@router.get("/reviews/{review_id}", response=ReviewOut)
def review_get(request: HttpRequest, review_id: ApiId):
    return selectors.review_get(user=request.user, pk=review_id)


class CandidateOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    amount: Decimal
    meets_amount: bool
    meets_years: bool
    meets_assessed: bool
    qualifies: bool
    currently_key: bool
    draft: Decision = Field(description="系统建议：" + meanings(Decision))
    decision: Decision | Literal[""] = Field(description="销售部的决定：" + meanings(Decision) + "；空 = 采用系统建议")
    final: Decision = Field(description="最终：决定，未决定时为系统建议")
    reason: str
    facts_changed: bool
    proposed_manager_id: int | None
    tier: Tier | Literal[""] = Field(description="层级：" + meanings(Tier) + "；空 = 未定")
    facts: dict

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_final(obj) -> str:
        return obj.final


@router.get("/reviews/{review_id}/candidates", response=list[CandidateOut],
            summary="候选名单（筛选：q,type,city,group,meets,change,sort）")
@paginate(Page50)
def candidates(request: HttpRequest, review_id: ApiId, q: str = "",
               type: CustomerType | Literal[""] = "", city: str = "",  # noqa: A002
               group: Annotated[ApiId | Literal[""] | None, EmptyIsNone] = None,
               meets: Literal["", "meets", "fails"] = "",
               change: Literal["", "new", "removed", "included", "overridden", "facts_changed", "relevant"] = "",
               sort: Literal["amount", "-amount", "name", "city", "years"] = "amount"):
    review = selectors.review_get(user=request.user, pk=review_id)
    params = {"q": q, "type": type, "city": city, "group": group or "", "meets": meets, "change": change,
              "sort": sort}
    return workspace.filtered(user=request.user, review=review, params=params)


class DecideIn(Schema):
    candidate_ids: list[ApiId]
    decision: Literal["include", "exclude", ""] | None = Field(
        None, description="include 纳入 / exclude 不纳入 / \"\" 恢复系统建议 / null 不变")
    reason: str = ""
    manager_id: ApiId | None = None


class CountOut(Schema):
    updated: int


class AddIn(Schema):
    customer_id: ApiId


@router.post("/reviews/{review_id}/candidates", response={201: CandidateOut},
             summary="添加草稿未列出的客户（A5.1，销售部负责人）")
def add_candidate(request: HttpRequest, review_id: ApiId, payload: AddIn):
    review = selectors.review_get(user=request.user, pk=review_id)
    customer = customer_get(user=request.user, pk=payload.customer_id)
    return Status(201, services.candidate_add(actor=request.user, review=review, customer=customer))


@router.post("/reviews/{review_id}/decide", response=CountOut, summary="纳入/不纳入（附理由）并指定客户经理")
def decide(request: HttpRequest, review_id: ApiId, payload: DecideIn):
    review = selectors.review_get(user=request.user, pk=review_id)
    manager = get_object_or_404(account_managers(), pk=payload.manager_id) if payload.manager_id else None
    return {"updated": services.candidates_decide(actor=request.user, review=review,
                                                  candidate_ids=payload.candidate_ids, decision=payload.decision,
                                                  reason=payload.reason, manager=manager)}


class ReturnIn(Schema):
    comment: str


class BlockersOut(Schema):
    blockers: list[str]


@router.post("/reviews/{review_id}/redraft", response=dict, summary="按最新数据重新生成草稿（幂等）")
def redraft(request: HttpRequest, review_id: ApiId):
    return services.review_draft(actor=request.user, review=selectors.review_get(user=request.user, pk=review_id))


@router.post("/reviews/{review_id}/submit", response=ReviewOut, summary="提交管理层审批")
def submit(request: HttpRequest, review_id: ApiId):
    return services.review_submit(actor=request.user, review=selectors.review_get(user=request.user, pk=review_id))


@router.get("/reviews/{review_id}/blockers", response=BlockersOut, summary="阻止批准的问题（A9.1）")
def blockers(request: HttpRequest, review_id: ApiId):
    return {"blockers": services.review_blockers(selectors.review_get(user=request.user, pk=review_id))}


@router.post("/reviews/{review_id}/approve", response=ReviewOut, summary="批准（管理层；A9.1 不满足时拒绝）")
def approve(request: HttpRequest, review_id: ApiId):
    return services.review_approve(actor=request.user, review=selectors.review_get(user=request.user, pk=review_id))


@router.post("/reviews/{review_id}/return", response=ReviewOut, summary="退回并附意见（管理层）")
def return_review(request: HttpRequest, review_id: ApiId, payload: ReturnIn):
    return services.review_return(actor=request.user, review=selectors.review_get(user=request.user, pk=review_id),
                                  comment=payload.comment)


class KeyAccountOut(Schema):
    id: int
    name: str
    tier: Tier | None = Field(description=meanings(Tier))
    account_manager_id: int | None


@router.get("/key-accounts", response=list[KeyAccountOut], summary="现任大客户及层级")
@paginate(Page50)
def key_accounts(request: HttpRequest, tier: Annotated[Tier | Literal[""] | None, EmptyIsNone] = None):
    qs = selectors.key_accounts(user=request.user).order_by("name")
    return qs.filter(tier=tier.value) if tier else qs


@router.post("/tiers/recompute", response=dict, summary="按需重新计算层级（A5.3，销售部负责人）")
def recompute(request: HttpRequest):
    return services.tiers_recompute(actor=request.user)


class ProposalIn(Schema):
    customer_id: ApiId
    kind: ProposalKind
    reason: str
    manager_id: ApiId | None = None


class ProposalOut(Schema):
    id: int
    customer_id: int
    kind: ProposalKind = Field(description=meanings(ProposalKind))
    status: ProposalStatus = Field(description=meanings(ProposalStatus))
    reason: str
    facts: dict
    comment: str


class ProposalDecideIn(Schema):
    approve: bool
    comment: str = ""


@router.get("/proposals", response=list[ProposalOut], summary="年中调整提议（A5.2）")
@paginate(Page50)
def proposals(request: HttpRequest):
    return selectors.proposals(user=request.user)


@router.post("/proposals", response={201: ProposalOut}, summary="提出破格纳入/移出，或记录保留原因")
def proposal_create(request: HttpRequest, payload: ProposalIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    manager = get_object_or_404(account_managers(), pk=payload.manager_id) if payload.manager_id else None
    return Status(201, services.proposal_create(actor=request.user, customer=customer, kind=payload.kind.value,
                                                reason=payload.reason, manager=manager))


@router.post("/proposals/{proposal_id}/decide", response=ProposalOut, summary="批准或驳回（管理层）")
def proposal_decide(request: HttpRequest, proposal_id: ApiId, payload: ProposalDecideIn):
    proposal = get_object_or_404(selectors.proposals(user=request.user), pk=proposal_id)
    return services.proposal_decide(actor=request.user, proposal=proposal, approve=payload.approve,
                                    comment=payload.comment)


class LoadOut(Schema):
    manager_id: int
    manager: str
    key_accounts: int
    cap: int


@router.get("/portfolios", response=list[LoadOut], summary="客户经理负荷（A9.1）")
def portfolios(request: HttpRequest):
    from kam.core.access import require_role
    from kam.users.models import Role

    require_role(request.user, Role.HEAD_OF_SALES, Role.MANAGEMENT)
    cap = int(policy_in_force(at=timezone.now())["portfolio.max_accounts_per_manager"])
    loads = selectors.manager_loads()
    return [{"manager_id": m.pk, "manager": str(m), "key_accounts": loads.get(m.pk, 0), "cap": cap}
            for m in account_managers()]


class PortfolioAssignIn(Schema):
    customer_id: ApiId
    manager_id: ApiId
    reason: str = ""
    on: BoundedDate | None = None


@router.post("/assignments", response=dict, summary="交接客户经理（A9.2；大客户受 A9.1 上限约束）")
def assign(request: HttpRequest, payload: PortfolioAssignIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    manager = get_object_or_404(account_managers(), pk=payload.manager_id)
    a = services.portfolio_assign(actor=request.user, customer=customer, manager=manager, on=payload.on,
                                  reason=payload.reason)
    return {"customer_id": customer.pk, "manager_id": manager.pk, "started_on": a.started_on.isoformat()}
