from __future__ import annotations

from datetime import date

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema

from kam.customers import selectors

router = Router(tags=["customers"])


class CustomerListOut(Schema):
    id: int
    name: str
    credit_code: str
    customer_type: str
    province: str
    city: str
    parent_id: int | None
    account_manager_id: int | None
    tier: str | None = None


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


class CustomerDetailOut(CustomerListOut):
    address: str
    cooperation_start: date | None
    purchase_potential: bool
    purchase_potential_note: str
    industry_influence: bool
    industry_influence_note: str
    founded_on: date | None
    decision_process: str
    pref_style: str
    pref_customisation: str
    pref_price_sensitivity: str
    contacts: list[ContactOutSchema]


class CustomerPageOut(Schema):
    items: list[CustomerListOut]
    count: int


LIST_FIELDS = ("id", "name", "credit_code", "customer_type", "province", "city", "parent_id", "account_manager_id")
PAGE_SIZE = 20


@router.get("/", response=CustomerPageOut, summary="客户列表（按权限范围；每页 20 条）")
def list_customers(request: HttpRequest, q: str = "", customer_type: str = "", city: str = "", tier: str = "",
                   page: int = Query(1, ge=1)):
    from kam.qualification.selectors import tiers_for

    qs = selectors.customer_list(user=request.user, q=q, customer_type=customer_type, city=city, tier=tier,
                                 annotate_tier=False)
    count = qs.count()
    start = (page - 1) * PAGE_SIZE
    items = list(qs.values(*LIST_FIELDS)[start:start + PAGE_SIZE])
    tiers = tiers_for([row["id"] for row in items])  # one small query instead of a subquery per row
    for row in items:
        row["tier"] = tiers.get(row["id"])
    # plain JSON-safe values: answered directly, without re-validating each row (the schema above documents it)
    return JsonResponse({"items": items, "count": count}, json_dumps_params={"ensure_ascii": False})


@router.get("/{customer_id}", response=CustomerDetailOut, summary="客户详情（决策层联系方式按 A7.1 屏蔽）")
def get_customer(request: HttpRequest, customer_id: int):
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    contacts = selectors.customer_contacts(user=request.user, customer=customer)
    # A7.1: core values are not part of the API's detail even for allowed roles; reveals are explicit.
    masked = [c.__dict__ | ({"phone": None, "wechat": None, "email": None, "masked": True}
                            if c.is_decision_maker else {}) for c in contacts]
    return {**{f: getattr(customer, f) for f in CustomerDetailOut.model_fields if hasattr(customer, f)},
            "cooperation_start": selectors.cooperation_start(customer=customer), "contacts": masked}


@router.get("/{customer_id}/contacts", response=list[ContactOutSchema], summary="联系人（决策层联系方式屏蔽）")
def list_contacts(request: HttpRequest, customer_id: int):
    customer = selectors.customer_get(user=request.user, pk=customer_id)
    return [c.__dict__ | ({"phone": None, "wechat": None, "email": None, "masked": True}
                          if c.is_decision_maker else {})
            for c in selectors.customer_contacts(user=request.user, customer=customer)]
