from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Literal

from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from kam.confidentiality.classification import masker_for
from kam.confidentiality.services import RevealThrottled, record_access, reveal_check, reveal_denied
from kam.core.api_tools import PAGE_MAX, meanings
from kam.core.errors import AccessDenied
from kam.core.inputs import ApiId, EmptyIsNone
from kam.customers.models import CustomerType, PriceSensitivity
from kam.customers.selectors import cooperation_start, customer_floor_prices
from kam.dossier import selectors
from kam.dossier.selectors import contact_rows, customer_page_get
from kam.qualification.models import Tier
from kam.qualification.selectors import tiers_for

router = Router(tags=["customers"])


class CustomerListOut(Schema):
    id: int
    name: str
    short_name: str = Field(description="客户简称")
    credit_code: str
    customer_type: CustomerType = Field(description="客户类型（A2.2）：" + meanings(CustomerType))
    province: str
    city: str
    parent_id: int | None
    account_manager_id: int | None
    tier: Tier | None = Field(None, description="层级（A5.3）：" + meanings(Tier) + "；null = 非大客户")


class ContactOutSchema(Schema):
    id: int
    name: str
    title: str
    is_decision_maker: bool
    phone: str | None
    wechat: str | None
    email: str | None
    masked: bool
    birthday: str
    customs: str = Field("", description="此人的礼仪与忌讳（A14.1）")


class CustomerDetailOut(CustomerListOut):
    address: str | None
    cooperation_start: date | None
    purchase_potential: bool
    purchase_potential_note: str | None
    industry_influence: bool
    industry_influence_note: str | None
    founded_on: date | None
    decision_process: str | None
    pref_style: str | None
    pref_customisation: str | None
    pref_customs: str | None = Field(None, description="客户的礼仪与忌讳（A14.1）；null = 核心数据（不在此返回）")
    pref_price_sensitivity: PriceSensitivity | Literal[""] | None = Field(
        description="价格敏感度：" + meanings(PriceSensitivity) + "；空 = 未记录；null = 核心数据（不在此返回）")
    contacts: list[ContactOutSchema]


class CustomerPageOut(Schema):
    items: list[CustomerListOut]
    count: int


LIST_FIELDS = ("id", "name", "short_name", "credit_code", "customer_type", "province", "city", "parent_id", "account_manager_id")
PAGE_SIZE = 20
COUNT_SECONDS = 5


@router.get("/", response=CustomerPageOut, summary="客户列表（按权限范围；每页 20 条）")
def list_customers(request: HttpRequest, q: str = "",
                   customer_type: Annotated[CustomerType | Literal[""] | None, EmptyIsNone] = None, city: str = "",
                   tier: Annotated[Literal["key", "core", "ordinary"] | Literal[""] | None, EmptyIsNone] = None,
                   page: int = Query(1, ge=1, le=PAGE_MAX)):
    customer_type = customer_type.value if customer_type else ""
    tier = tier or ""
    qs = selectors.customer_list(user=request.user, q=q, customer_type=customer_type, city=city, tier=tier,
                                 annotate_tier=False)
    start = (page - 1) * PAGE_SIZE
    items = list(qs.values(*LIST_FIELDS)[start:start + PAGE_SIZE])
    # a first page that is not full is the whole list: no COUNT query needed; otherwise the total is counted
    # at most every COUNT_SECONDS per scope and filter (a page's rows are always fresh)
    if page == 1 and len(items) < PAGE_SIZE:
        count = len(items)
    else:
        scope = "all" if request.user.sees_all_customers else f"u{request.user.pk}"
        key = "kam:customers:count:" + hashlib.sha1(f"{scope}|{q}|{customer_type}|{city}|{tier}".encode()).hexdigest()  # noqa: S324
        count = cache.get(key)
        if count is None:
            count = qs.count()
            cache.set(key, count, COUNT_SECONDS)
    tiers = tiers_for([row["id"] for row in items])  # one small query instead of a subquery per row
    for row in items:
        row["tier"] = tiers.get(row["id"])
    # plain JSON-safe values: answered directly, without re-validating each row (the schema above documents it)
    return JsonResponse({"items": items, "count": count}, json_dumps_params={"ensure_ascii": False})


def _contacts(user, customer) -> list[dict]:
    # A7.1: core channels are not part of the API's answers, even for allowed roles (reveal is explicit)
    return [{"id": r.id, "name": r.name, "title": r.title, "is_decision_maker": r.is_decision_maker,
             "phone": r.channels["phone"], "wechat": r.channels["wechat"], "email": r.channels["email"],
             "masked": bool(r.core), "birthday": r.birthday, "customs": r.customs}
            for r in contact_rows(masker=masker_for(user), customer=customer, user=user)]


@router.get("/{customer_id}", response=CustomerDetailOut, summary="客户详情（核心数据按 A7.1 屏蔽）")
def get_customer(request: HttpRequest, customer_id: ApiId):
    customer = customer_page_get(user=request.user, pk=customer_id)
    masker = masker_for(request.user)
    data = {f: getattr(customer, f) for f in CustomerDetailOut.model_fields if hasattr(customer, f)}
    for name in list(data):
        if f"customers.Customer.{name}" in masker.core:
            data[name] = None  # marked core by management: never in the API's basic answer
    data["tier"] = getattr(customer, "tier", None)
    return {**data, "cooperation_start": cooperation_start(customer=customer),
            "contacts": _contacts(request.user, customer)}


@router.get("/{customer_id}/contacts", response=list[ContactOutSchema], summary="联系人（核心联系方式屏蔽）")
def list_contacts(request: HttpRequest, customer_id: ApiId):
    customer = customer_page_get(user=request.user, pk=customer_id)
    return _contacts(request.user, customer)


class RevealIn(Schema):
    what: Literal["floor_prices", "contacts"]


class RevealOut(Schema):
    fields: dict[str, str | None]


@router.post("/{customer_id}/reveal", response=RevealOut, summary="显示核心数据（仅销售部负责人/管理层；每次留痕，A7.2）")
def reveal(request: HttpRequest, customer_id: ApiId, payload: RevealIn):
    customer = customer_page_get(user=request.user, pk=customer_id)
    masker = masker_for(request.user)
    if not masker.sees_core:
        # A7.2: recorded; a burst of refusals alerts management
        reveal_denied(user=request.user, customer=customer, fields=[payload.what], channel="api")
        raise AccessDenied(_("无权查看核心数据（A7.1）"), rule="A7.1")
    try:
        reveal_check(user=request.user, customer=customer, fields=[payload.what], channel="api")
    except RevealThrottled as exc:  # the per-user limit (issue 12 §5)
        response = JsonResponse(exc.as_dict(), status=429, json_dumps_params={"ensure_ascii": False})
        response["Retry-After"] = str(exc.retry_after)
        return response
    if payload.what == "floor_prices":
        values = {p.product_series: str(p.price) for p in customer_floor_prices(user=request.user, customer=customer) or []}
        record_access(user=request.user, customer=customer, fields=[f"floor_price:{k}" for k in values], channel="api")
        return {"fields": values}
    values = {}
    for r in contact_rows(masker=masker, customer=customer, reveal=True):
        for ch in r.core:
            values[f"contact:{r.id}.{ch}"] = r.channels[ch]
    record_access(user=request.user, customer=customer, fields=list(values), channel="api")
    return {"fields": values}
