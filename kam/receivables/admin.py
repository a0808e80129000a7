from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.receivables.models import Invoice, Payment


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "issue_date", "due_date", "amount")


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("reference", "customer", "paid_on", "amount")
