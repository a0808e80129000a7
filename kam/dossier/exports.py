"""Customer list export (.xlsx) through the shared, audited export (A7.1, A7.2, A18.2).

Same filters and the same scoping as the customer list page (an account manager exports only their own
customers). Floor prices are a core column: loaded only for the head of sales and management, in one
query for all exported customers.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from kam.confidentiality.classification import core_fields
from kam.core.access import login_required
from kam.customers.models import Contract, Customer, FloorPrice
from kam.dossier import selectors
from kam.exchange.export import ExportColumn, export_response_name, export_xlsx, wants_core
from kam.orders.models import Order, OrderStatus

LIST_NAME = "customers.list"
LIST_LABEL = _("客户列表")
ITERATOR_CHUNK = 2000


def _cooperation_start(c: Customer):
    """A2.1 cooperation start from the annotated first order / first contract (same rule as
    selectors.cooperation_start, without a query per customer)."""
    candidates = [d for d in (getattr(c, "first_order_on", None), getattr(c, "first_contract_on", None),
                              c.cooperation_start_override) if d]
    return min(candidates) if candidates else None


def _with_cooperation_start(qs: QuerySet[Customer]) -> QuerySet[Customer]:
    first_order = (Order.objects.filter(customer=OuterRef("pk")).exclude(status=OrderStatus.CANCELLED)
                   .order_by("order_date").values("order_date")[:1])
    first_contract = Contract.objects.filter(customer=OuterRef("pk")).order_by("start_on").values("start_on")[:1]
    return qs.annotate(first_order_on=Subquery(first_order), first_contract_on=Subquery(first_contract))


def _price_text(price: str) -> str:
    try:
        return f"{Decimal(price):.2f}"
    except (InvalidOperation, ValueError):
        return price


def floor_prices_by_customer(customers: QuerySet[Customer]) -> dict[int, str]:
    """Core data (A7.1): "系列A: 1234.00; 系列B: 980.00" per customer, in ONE query for all of them.
    Call only for users who see core data; prices are decrypted on load."""
    grouped: dict[int, list[str]] = defaultdict(list)
    rows = (FloorPrice.objects.filter(customer__in=customers.values("pk"))
            .order_by("customer_id", "product_series").values_list("customer_id", "product_series", "price"))
    for customer_id, series, price in rows:
        grouped[customer_id].append(f"{series}: {_price_text(price)}")
    return {customer_id: "; ".join(parts) for customer_id, parts in grouped.items()}


def customer_export_columns(*, floor_prices: dict[int, str] | None = None,
                            core: frozenset[str] = frozenset()) -> list[ExportColumn]:
    """`core`: the field keys classified core now (A7.1); such columns leave only for the roles that see core data."""
    floor_prices = floor_prices or {}

    def marked(name: str) -> bool:
        return f"customers.Customer.{name}" in core

    return [
        ExportColumn("name", _("客户名称"), width=30),
        ExportColumn("credit_code", _("统一社会信用代码"), width=22),
        ExportColumn("customer_type", _("客户类型"), value=lambda c: c.get_customer_type_display(), width=16),
        ExportColumn("province", _("省份"), width=10),
        ExportColumn("city", _("城市"), width=10),
        ExportColumn("address", _("地址"), width=30),
        ExportColumn("parent", _("所属集团"), value=lambda c: c.parent.name if c.parent_id else None, width=24),
        ExportColumn("account_manager", _("客户经理"),
                     value=lambda c: str(c.account_manager) if c.account_manager_id else None, width=12),
        ExportColumn("cooperation_start", _("合作起始"), value=_cooperation_start, width=12,
                     number_format="yyyy-mm-dd"),
        ExportColumn("purchase_potential", _("持续采购潜力"), width=12),
        ExportColumn("industry_influence", _("行业影响力"), width=12),
        ExportColumn("decision_process", _("采购决策流程"), width=40, core=marked("decision_process")),
        ExportColumn("pref_style", _("风格偏好"), width=20),
        ExportColumn("pref_customisation", _("定制需求"), width=24, core=marked("pref_customisation")),
        ExportColumn("pref_price_sensitivity", _("价格敏感度"),
                     value=lambda c: c.get_pref_price_sensitivity_display() or None, width=10,
                     core=marked("pref_price_sensitivity")),
        ExportColumn("floor_prices", _("底价"), value=lambda c: floor_prices.get(c.pk), core=True, width=40),
    ]


@login_required
@require_GET
def customer_export(request):
    """GET filters as the customer list (q, type, city, tier); rows scoped by selectors.customer_list; core
    columns only with the explicit choice `core=1` of a user who sees core data."""
    user = request.user
    q = request.GET.get("q", "").strip()
    ctype = request.GET.get("type", "")
    city = request.GET.get("city", "")
    tier = request.GET.get("tier", "")
    customers = selectors.customer_list(user=user, q=q, customer_type=ctype, city=city, tier=tier)
    include_core = wants_core(request)  # A7.1: the explicit "包含核心数据" choice, off by default
    floor_prices = floor_prices_by_customer(customers) if include_core else None
    rows = _with_cooperation_start(customers).iterator(chunk_size=ITERATOR_CHUNK)
    return export_xlsx(
        user=user, list_name=LIST_NAME, list_label=LIST_LABEL,
        columns=customer_export_columns(floor_prices=floor_prices, core=core_fields()), rows=rows,
        filters={"q": q, "type": ctype, "city": city, "tier": tier},
        filename=export_response_name(LIST_LABEL, user), record_id=lambda c: c.pk, include_core=include_core,
    )
