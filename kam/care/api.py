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
