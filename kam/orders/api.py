from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from kam.core.api_tools import Pages
from kam.core.inputs import ApiId
from kam.orders import selectors
from kam.orders.models import OrderStatus

router = Router(tags=["orders"])


class OrderOut(Schema):
    id: int
    number: str
    customer_id: int
    status: OrderStatus = Field(description="执行中 open / 已交付 delivered / 已取消 cancelled")
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
