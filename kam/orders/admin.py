from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.orders.models import Order, OrderReturn, QualityDispute


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "order_date", "status", "amount")
    list_filter = ("status",)
    search_fields = ("number",)


@admin.register(OrderReturn)
class OrderReturnAdmin(ReadOnlyAdmin):
    list_display = ("order", "returned_on", "amount")


@admin.register(QualityDispute)
class QualityDisputeAdmin(ReadOnlyAdmin):
    list_display = ("order", "opened_on", "closed_on", "summary")
