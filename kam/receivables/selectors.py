from __future__ import annotations

from decimal import Decimal

from django.db.models import DecimalField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from kam.customers.selectors import customers_visible
from kam.receivables.models import Invoice, PaymentAllocation
from kam.users.models import User


def invoices_visible(*, user: User) -> QuerySet[Invoice]:
    paid = (PaymentAllocation.objects.filter(invoice=OuterRef("pk")).values("invoice")
            .annotate(s=Sum("amount")).values("s"))
    return (Invoice.objects.filter(customer__in=customers_visible(user=user))
            .annotate(paid=Coalesce(Subquery(paid), Value(Decimal("0")), output_field=DecimalField())))


def customer_invoices(*, user: User, customer_id: int) -> QuerySet[Invoice]:
    return invoices_visible(user=user).filter(customer_id=customer_id).order_by("-issue_date", "-id")
