"""The gift register (A14.2) and occasions (A14.1) through the API — the same selectors and services as the
pages: a refused gift is a 400 naming the field and quoting article 14 (and the attempt is recorded)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kam.care import selectors, services
from kam.care.models import Gift, GiftCategory, GiftState
from kam.core.api_tools import Page50, meanings
from kam.core.inputs import ApiId, EmptyIsNone
from kam.customers.models import Contact
from kam.customers.selectors import customer_get
from kam.obligations.models import State

router = Router(tags=["care"])


class GiftOut(Schema):
    id: int
    customer_id: int
    recipient_id: int
    recipient_name: str
    occasion: str
    item: str
    category: GiftCategory = Field(description=meanings(GiftCategory))
    category_label: str
    quantity: int
    unit_value: Decimal
    total_value: Decimal
    supplier_ref: str
    giver_id: int
    planned_on: dt.date
    year: int = Field(description="计入年度（每人每年上限按此年度累计）")
    state: GiftState = Field(description=meanings(GiftState))
    state_label: str
    needs_approval: bool
    decided_at: dt.datetime | None
    decision_note: str
    given_on: dt.date | None

    @staticmethod
    def resolve_recipient_name(obj) -> str:
        return obj["recipient_name"] if isinstance(obj, dict) else obj.recipient.name

    @staticmethod
    def resolve_category_label(obj) -> str:
        return obj["category_label"] if isinstance(obj, dict) else obj.get_category_display()

    @staticmethod
    def resolve_state_label(obj) -> str:
        return obj["state_label"] if isinstance(obj, dict) else obj.get_state_display()


def _out(g: Gift) -> dict:
    data = {f: getattr(g, f) for f in GiftOut.model_fields
            if f not in ("recipient_name", "category_label", "state_label")}
    data.update(recipient_name=g.recipient.name, category_label=g.get_category_display(),
                state_label=g.get_state_display())
    return data


class GiftIn(Schema):
    customer_id: ApiId
    recipient_id: ApiId = Field(description="受礼人：该客户的联系人")
    item: str = Field(max_length=100)
    category: GiftCategory = Field(description=meanings(GiftCategory) + "（现金及现金等价物一律拒绝）")
    quantity: int = Field(ge=1, le=services.MAX_QUANTITY)
    unit_value: Decimal = Field(gt=0, max_digits=12, decimal_places=2, description="单价（元）")
    occasion: str = Field("", max_length=100)
    supplier_ref: str = Field("", max_length=100)
    planned_on: dt.date | None = None


class GiftDecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class GiftGivenIn(Schema):
    given_on: dt.date | None = None


STATE_FILTER = Field(description="只看某一状态：" + meanings(GiftState))


@router.get("/gifts/", response=list[GiftOut], summary="礼品登记列表（本人可见范围，A14.2）")
@paginate(Page50)
def gift_list(request: HttpRequest, state: Annotated[GiftState | None, EmptyIsNone, STATE_FILTER] = None):
    qs = selectors.gifts_visible(user=request.user).order_by("-planned_on", "-id")
    return qs.filter(state=state.value) if state else qs


@router.post("/gifts/", response={201: GiftOut}, summary="登记礼品（A14.2：现金等价物、超限一律拒绝并留痕）")
def gift_create(request: HttpRequest, payload: GiftIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    recipient = Contact.objects.filter(pk=payload.recipient_id, customer=customer).first()
    if recipient is None:
        raise Http404("recipient not found")
    gift = services.gift_register(actor=request.user, customer=customer, recipient=recipient, item=payload.item,
                                  category=payload.category.value, quantity=payload.quantity,
                                  unit_value=payload.unit_value, occasion=payload.occasion,
                                  supplier_ref=payload.supplier_ref, planned_on=payload.planned_on)
    return Status(201, _out(gift))


@router.get("/gifts/{gift_id}", response=GiftOut)
def gift_get(request: HttpRequest, gift_id: ApiId):
    return _out(selectors.gift_get(user=request.user, pk=gift_id))


@router.post("/gifts/{gift_id}/decide", response=GiftOut, summary="审批（超过审批门槛，A14.2）")
def gift_decide(request: HttpRequest, gift_id: ApiId, payload: GiftDecideIn):
    gift = selectors.gift_get(user=request.user, pk=gift_id)
    return _out(services.gift_decide(actor=request.user, gift=gift, approve=payload.approve, note=payload.note))


@router.post("/gifts/{gift_id}/given", response=GiftOut, summary="确认已赠送（A14.2）")
def gift_given(request: HttpRequest, gift_id: ApiId, payload: GiftGivenIn):
    gift = selectors.gift_get(user=request.user, pk=gift_id)
    return _out(services.gift_mark_given(actor=request.user, gift=gift, given_on=payload.given_on))


class OccasionOut(Schema):
    customer_id: int
    key: str = Field(description="重要日子的标识（记录关怀时使用）")
    label: str
    day: dt.date
    state: State = Field(description=meanings(State))

    @staticmethod
    def resolve_key(obj) -> str:
        return obj.period_key

    @staticmethod
    def resolve_day(obj) -> dt.date:
        from django.utils import timezone

        return timezone.localtime(obj.due_at).date()


@router.get("/occasions/", response=list[OccasionOut], summary="已列出的节日与重要日子（A14.1）")
@paginate(Page50)
def occasion_list(request: HttpRequest):
    return selectors.occasions_listed(user=request.user).order_by("due_at", "id")


# --- A14.2 gift reports and the half-yearly compliance summary (read-only; kam.care.gift_reports) -------------

from enum import StrEnum  # noqa: E402
from typing import Literal  # noqa: E402

from django.utils.translation import gettext as _  # noqa: E402

from kam.care import gift_reports  # noqa: E402
from kam.care.models import RefusalReason  # noqa: E402
from kam.core.errors import AccessDenied  # noqa: E402


class GiftReportSort(StrEnum):
    TOTAL = "-total"
    COUNT = "-n"
    LEFT = "left"


class RecipientReportOut(Schema):
    recipient_id: int
    recipient_name: str = Field(validation_alias="recipient__name")
    customer_id: int
    customer_name: str = Field(validation_alias="customer__name")
    year: int
    n: int = Field(description="计入累计的礼品数（不含已驳回）")
    total: Decimal = Field(description="已登记总价值（元，不含已驳回）")
    given: Decimal = Field(description="已赠送价值（元）")
    limit: Decimal = Field(description="每人每年上限（元，现行政策）")
    left: Decimal = Field(description="还可登记（元）；为负数表示已超过现行上限")
    awaiting: int
    rejected: int


class AccountReportOut(Schema):
    customer_id: int
    customer_name: str = Field(validation_alias="customer__name")
    n: int
    recipients: int
    total: Decimal
    given: Decimal
    awaiting: int
    rejected: int


class GiverReportOut(Schema):
    giver_id: int
    giver_name: str
    n: int
    accounts: int
    total: Decimal
    given: Decimal
    awaiting: int
    rejected: int

    @staticmethod
    def resolve_giver_name(obj) -> str:
        return gift_reports._name(obj, "giver")


def _report_rows(request: HttpRequest, qs, *, year: int | None, customer_id: int | None, sort: GiftReportSort,
                 tiebreak: str):
    if not selectors.may_see_gifts(request.user):
        raise AccessDenied(_("只有客户经理、销售部负责人和管理层可以查看礼品报表（A14.2）。"), rule="A14.2")
    if customer_id is not None:
        gift_reports.account_in_scope(user=request.user, raw=str(customer_id))
        qs = qs.filter(customer_id=customer_id)
    if year is not None:
        qs = qs.filter(year=year)
    if sort == GiftReportSort.LEFT and "left" not in qs.query.annotations:
        sort = GiftReportSort.TOTAL  # "left under the yearly limit" exists per recipient only
    return qs.order_by(sort.value, tiebreak)


YEAR = Field(description="计入年度（2000–2100）；不填为全部年度")
CUSTOMER = Field(description="只看某一客户（须在本人可见范围内，否则 404）")
YearParam = Annotated[int, Field(ge=2000, le=2100)]
YearQuery = Annotated[YearParam | Literal[""] | None, EmptyIsNone, YEAR]
CustomerQuery = Annotated[ApiId | Literal[""] | None, EmptyIsNone, CUSTOMER]
HalfParam = Annotated[str, Field(pattern=r"^\d{4}H[12]$")]


@router.get("/gift-reports/recipients", response=list[RecipientReportOut],
            summary="礼品报表：按受礼人和年度（累计与每人每年上限，A14.2）")
@paginate(Page50)
def gift_report_recipients(request: HttpRequest, year: YearQuery = None,
                           customer_id: CustomerQuery = None,
                           sort: GiftReportSort = GiftReportSort.TOTAL):
    limit = gift_reports.Limits.of(gift_reports_policy())
    return _report_rows(request, gift_reports.by_recipient(user=request.user, limit=limit.per_recipient_year),
                        year=year or None, customer_id=customer_id or None, sort=sort, tiebreak="recipient_id")


@router.get("/gift-reports/accounts", response=list[AccountReportOut], summary="礼品报表：按客户（A14.2）")
@paginate(Page50)
def gift_report_accounts(request: HttpRequest, year: YearQuery = None,
                         customer_id: CustomerQuery = None,
                         sort: GiftReportSort = GiftReportSort.TOTAL):
    return _report_rows(request, gift_reports.by_account(user=request.user), year=year or None,
                        customer_id=customer_id or None, sort=sort, tiebreak="customer_id")


@router.get("/gift-reports/givers", response=list[GiverReportOut], summary="礼品报表：按赠送人（A14.2）")
@paginate(Page50)
def gift_report_givers(request: HttpRequest, year: YearQuery = None,
                       customer_id: CustomerQuery = None,
                       sort: GiftReportSort = GiftReportSort.TOTAL):
    return _report_rows(request, gift_reports.by_giver(user=request.user), year=year or None,
                        customer_id=customer_id or None, sort=sort, tiebreak="giver_id")


def gift_reports_policy():
    from django.utils import timezone

    from kam.policy.selectors import policy_in_force

    return policy_in_force(at=timezone.now())


class ApprovalFigure(StrEnum):
    APPROVED = "approved"
    RETURNED = "returned"
    AWAITING = "awaiting"


class BandOut(Schema):
    label: str
    above: Decimal | None = Field(description="下限（不含）；空为无下限")
    up_to: Decimal | None = Field(description="上限（含）；空为无上限")
    n: int
    total: Decimal


class RefusalFigureOut(Schema):
    reason: RefusalReason = Field(description=meanings(RefusalReason))
    label: str
    n: int


class ApprovalFigureOut(Schema):
    kind: ApprovalFigure = Field(description="approved = 已批准；returned = 已驳回；awaiting = 待审批")
    label: str
    n: int


class RankOut(Schema):
    id: int
    name: str
    n: int
    total: Decimal


class GiftSummaryOut(Schema):
    half: str = Field(description="半年度，如 2026H2（H1 = 1–6 月，H2 = 7–12 月）")
    label: str
    n: int
    total: Decimal
    bands: list[BandOut]
    refusals: list[RefusalFigureOut]
    approvals: list[ApprovalFigureOut]
    accounts: list[RankOut] = Field(description="礼品最多的客户（前 10）")
    givers: list[RankOut] = Field(description="赠送最多的员工（前 10）")


@router.get("/gift-reports/summary", response=GiftSummaryOut,
            summary="礼品半年度合规汇总（管理层、销售部负责人；A3、A14.2）")
def gift_summary(request: HttpRequest,
                 half: Annotated[HalfParam | Literal[""] | None, EmptyIsNone,
                                 Field(description="半年度，如 2026H2；不填为本半年度")] = None):
    from kam.users.models import Role

    if not request.user.has_role(Role.HEAD_OF_SALES, Role.MANAGEMENT):
        raise AccessDenied(_("只有管理层和销售部负责人可以查看礼品合规汇总（A3）。"), rule="A3")
    chosen = gift_reports.Half.parse(half) or gift_reports.Half.parse(gift_reports.half_choices(1)[0][0])
    assert chosen is not None
    data = gift_reports.compliance_summary(user=request.user, half=chosen,
                                           limits=gift_reports.Limits.of(gift_reports_policy()))
    return {"half": chosen.key, "label": chosen.label, "n": data["n"], "total": data["total"],
            "bands": [{"label": b["band"].label, "above": b["band"].low, "up_to": b["band"].high, "n": b["n"],
                       "total": b["total"]} for b in data["bands"]],
            "refusals": [{"reason": r["reason"], "label": str(r["label"]), "n": r["n"]} for r in data["refusals"]],
            "approvals": [{"kind": k, "label": str(label), "n": n} for k, label, n, _link in data["approvals"]],
            "accounts": [{"id": a["customer_id"], "name": a["customer__name"], "n": a["n"], "total": a["total"]}
                         for a in data["accounts"]],
            "givers": [{"id": g["giver_id"], "name": g["name"], "n": g["n"], "total": g["total"]}
                       for g in data["givers"]]}


# --- A18.1 commitments, A18.2 contracts -------------------------------------------------------------------------

from kam.care import contracts as contract_svc  # noqa: E402
from kam.care.models import CommitmentDepartment, CommitmentKind, CommitmentState  # noqa: E402
from kam.customers.models import ContractKind, ContractStatus  # noqa: E402


class CommitmentOut(Schema):
    id: int
    customer_id: int
    kind: CommitmentKind = Field(description=meanings(CommitmentKind))
    description: str
    value: Decimal | None
    department: CommitmentDepartment = Field(description=meanings(CommitmentDepartment))
    due_on: dt.date | None = Field(description="兑现期限（批准后由兑现部门负责按期兑现）")
    state: CommitmentState = Field(description=meanings(CommitmentState))
    requested_by_id: int
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_note: str
    done_by_id: int | None
    done_at: dt.datetime | None
    done_note: str
    contract_id: int | None
    request_id: int | None


class CommitmentIn(Schema):
    customer_id: ApiId
    kind: CommitmentKind = Field(description=meanings(CommitmentKind))
    description: str = Field(max_length=2000)
    department: CommitmentDepartment = Field(description=meanings(CommitmentDepartment))
    value: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    due_on: dt.date | None = None
    contract_id: ApiId | None = Field(None, description="相关合同（同一客户）")
    request_id: ApiId | None = Field(None, description="相关客户需求（同一客户）")


class CommitmentDecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=500)


class CommitmentDoneIn(Schema):
    note: str = Field("", max_length=500)


@router.get("/commitments/", response=list[CommitmentOut], summary="客户承诺（本人可见范围，A18.1）")
@paginate(Page50)
def commitment_list(request: HttpRequest,
                    state: Annotated[CommitmentState | None, EmptyIsNone,
                                     Field(description=meanings(CommitmentState))] = None):
    qs = selectors.commitments_visible(user=request.user).order_by("-requested_at", "-id")
    return qs.filter(state=state.value) if state else qs


@router.post("/commitments/", response={201: CommitmentOut}, summary="登记客户承诺（A18.1：兑现部门批准前不得告知客户）")
def commitment_create(request: HttpRequest, payload: CommitmentIn):
    from django.apps import apps

    customer = customer_get(user=request.user, pk=payload.customer_id)
    contract = None
    if payload.contract_id is not None:
        contract = contract_svc.contracts_visible(user=request.user).filter(pk=payload.contract_id,
                                                                           customer=customer).first()
        if contract is None:
            raise Http404("contract not found")
    req = None
    if payload.request_id is not None:
        req = apps.get_model("demands", "CustomerRequest").objects.filter(pk=payload.request_id,
                                                                          customer=customer).first()
        if req is None:
            raise Http404("request not found")
    c = services.commitment_register(actor=request.user, customer=customer, kind=payload.kind.value,
                                     description=payload.description, department=payload.department.value,
                                     value=payload.value, due_on=payload.due_on, contract=contract, request=req)
    return Status(201, c)


@router.get("/commitments/{commitment_id}", response=CommitmentOut)
def commitment_get(request: HttpRequest, commitment_id: ApiId):
    return selectors.commitment_get(user=request.user, pk=commitment_id)


@router.post("/commitments/{commitment_id}/decide", response=CommitmentOut, summary="兑现部门审批（A18.1）")
def commitment_decide(request: HttpRequest, commitment_id: ApiId, payload: CommitmentDecideIn):
    c = selectors.commitment_get(user=request.user, pk=commitment_id)
    return services.commitment_decide(actor=request.user, commitment=c, approve=payload.approve, note=payload.note)


@router.post("/commitments/{commitment_id}/done", response=CommitmentOut, summary="确认已兑现（A18.1）")
def commitment_done(request: HttpRequest, commitment_id: ApiId, payload: CommitmentDoneIn):
    c = selectors.commitment_get(user=request.user, pk=commitment_id)
    return services.commitment_done(actor=request.user, commitment=c, note=payload.note)


class ContractOut(Schema):
    id: int
    customer_id: int
    number: str
    kind: ContractKind = Field(description=meanings(ContractKind))
    signed_on: dt.date | None
    start_on: dt.date
    end_on: dt.date | None
    amount_ceiling: Decimal | None
    status: ContractStatus = Field(description=meanings(ContractStatus))
    payment_terms: str | None = Field(description="付款条件；被管理层标为核心数据时为 null（只能在页面上显示并留痕）")
    terms_summary: str | None = Field(description="条款摘要；核心数据时为 null")
    has_document: bool

    @staticmethod
    def resolve_status(obj) -> str:
        return obj["status"] if isinstance(obj, dict) else obj.status

    @staticmethod
    def resolve_has_document(obj) -> bool:
        return obj["has_document"] if isinstance(obj, dict) else bool(obj.document)

    @staticmethod
    def resolve_payment_terms(obj, context) -> str | None:
        if isinstance(obj, dict):
            return obj["payment_terms"]
        request = context["request"]
        return contract_svc.terms_of(user=request.user, contract=obj, core=_core_for(request)).payment_terms

    @staticmethod
    def resolve_terms_summary(obj, context) -> str | None:
        if isinstance(obj, dict):
            return obj["terms_summary"]
        request = context["request"]
        return contract_svc.terms_of(user=request.user, contract=obj, core=_core_for(request)).terms_summary


def _core_for(request) -> frozenset[str]:
    """The core contract fields, read once per request (A7.1)."""
    core = getattr(request, "_contract_core", None)
    if core is None:
        core = request._contract_core = contract_svc.core_terms()
    return core


def _contract_out(c, user, core) -> dict:
    terms = contract_svc.terms_of(user=user, contract=c, core=core)
    return {"id": c.pk, "customer_id": c.customer_id, "number": c.number, "kind": c.kind, "signed_on": c.signed_on,
            "start_on": c.start_on, "end_on": c.end_on, "amount_ceiling": c.amount_ceiling, "status": c.status,
            "payment_terms": terms.payment_terms, "terms_summary": terms.terms_summary,
            "has_document": bool(c.document)}


class ContractIn(Schema):
    customer_id: ApiId
    number: str = Field(max_length=60)
    kind: ContractKind = Field(description=meanings(ContractKind))
    start_on: dt.date
    end_on: dt.date | None = None
    signed_on: dt.date | None = None
    amount_ceiling: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=2)
    payment_terms: str = Field("", max_length=4000)
    terms_summary: str = Field("", max_length=4000)
    draft: bool = False


class ContractEndIn(Schema):
    ended_on: dt.date
    reason: str = Field(max_length=300)


@router.get("/contracts/", response=list[ContractOut], summary="合同（本人可见范围，A18.2）")
@paginate(Page50)
def contract_list(request: HttpRequest, expiring_within_days: Annotated[
        int | None, EmptyIsNone, Field(ge=0, le=3660, description="只看该天数内到期的履行中合同")] = None):
    from django.utils import timezone

    from kam.customers.models import in_force_q

    qs = contract_svc.contracts_visible(user=request.user).order_by("end_on", "id")
    if expiring_within_days is not None:
        today = timezone.localdate()
        qs = qs.filter(in_force_q(today), end_on__lte=today + dt.timedelta(days=expiring_within_days))
    return qs


@router.post("/contracts/", response={201: ContractOut}, summary="登记合同（A18.2；合同文件请在页面上传）")
def contract_create(request: HttpRequest, payload: ContractIn):
    customer = customer_get(user=request.user, pk=payload.customer_id)
    data = payload.dict(exclude={"customer_id"})
    data["kind"] = payload.kind.value
    c = contract_svc.contract_save(actor=request.user, customer=customer, **data)
    return Status(201, _contract_out(c, request.user, contract_svc.core_terms()))


@router.get("/contracts/{contract_id}", response=ContractOut)
def contract_get(request: HttpRequest, contract_id: ApiId):
    return _contract_out(contract_svc.contract_get(user=request.user, pk=contract_id), request.user,
                         contract_svc.core_terms())


@router.post("/contracts/{contract_id}/end", response=ContractOut, summary="提前终止合同（A18.2）")
def contract_end(request: HttpRequest, contract_id: ApiId, payload: ContractEndIn):
    c = contract_svc.contract_get(user=request.user, pk=contract_id)
    c = contract_svc.contract_end(actor=request.user, contract=c, ended_on=payload.ended_on, reason=payload.reason)
    return _contract_out(c, request.user, contract_svc.core_terms())


# --- A14.1 the company's holiday list (company data kept by the head of sales or the administrator) -------------

from kam.care.models import CompanyHoliday, HolidayCalendar  # noqa: E402


class HolidayOut(Schema):
    id: int
    name: str
    calendar: HolidayCalendar = Field(description=meanings(HolidayCalendar))
    month: int
    day: int
    active: bool


class HolidayIn(Schema):
    name: str = Field(min_length=1, max_length=30)
    calendar: HolidayCalendar = Field(description=meanings(HolidayCalendar))
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31, description="公历按当月天数；农历 1–30")
    active: bool = True


def _holiday_reader(request: HttpRequest) -> None:
    from kam.care.occasion_services import HOLIDAY_READERS

    if not request.user.has_role(*HOLIDAY_READERS):
        raise AccessDenied(_("只有销售部负责人、系统管理员和管理层可以查看公司节日（A14.1）。"), rule="A14.1")


@router.get("/holidays/", response=list[HolidayOut], summary="公司节日清单（A14.1：每个启用的节日都是每个大客户的重要日子）")
@paginate(Page50)
def holiday_list(request: HttpRequest):
    _holiday_reader(request)
    return CompanyHoliday.objects.order_by("calendar", "month", "day", "id")


@router.post("/holidays/", response={201: HolidayOut}, summary="添加公司节日（A14.1；销售部负责人或系统管理员）")
def holiday_create(request: HttpRequest, payload: HolidayIn):
    from kam.care.occasion_services import holiday_add

    _holiday_reader(request)
    return Status(201, holiday_add(actor=request.user, name=payload.name, calendar=payload.calendar.value,
                                   month=payload.month, day=payload.day, active=payload.active))


@router.put("/holidays/{holiday_id}", response=HolidayOut, summary="修改或停用公司节日（A14.1；从不删除）")
def holiday_change(request: HttpRequest, holiday_id: ApiId, payload: HolidayIn):
    from kam.care.occasion_services import holiday_update

    _holiday_reader(request)
    holiday = CompanyHoliday.objects.filter(pk=holiday_id).first()
    if holiday is None:
        raise Http404
    return holiday_update(actor=request.user, holiday=holiday, name=payload.name, calendar=payload.calendar.value,
                          month=payload.month, day=payload.day, active=payload.active)
