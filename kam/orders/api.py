from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from kam.core.api_tools import Pages
from kam.core.inputs import ApiId
from kam.orders import selectors

router = Router(tags=["orders"])


class OrderOut(Schema):
    id: int
    number: str
    customer_id: int
    status: str
    order_date: date
    promised_delivery_date: date | None
    actual_delivery_date: date | None
    amount: Decimal


class Page20(Pages):
    page_size = 20


@router.get("/", response=list[OrderOut], summary="订单列表（按权限范围）")
@paginate(Page20)
def list_orders(request: HttpRequest, customer_id: ApiId | None = None):
    qs = selectors.orders_visible(user=request.user).order_by("-order_date", "-id")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    return qs
