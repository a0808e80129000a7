from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.customers.models import AccountAssignment, Contact, Contract, Customer


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ("name", "credit_code", "customer_type", "city", "account_manager")
    list_filter = ("customer_type",)
    search_fields = ("name", "credit_code")


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    # personal and core data (A7.1) never shown in admin
    hidden_fields = ("phone", "wechat", "email")
    list_display = ("name", "customer", "title", "is_decision_maker")


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("number", "customer", "start_on", "end_on")


@admin.register(AccountAssignment)
class AccountAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "manager", "started_on", "ended_on")

# FloorPrice is core data (A7.1) and deliberately not registered in admin.
