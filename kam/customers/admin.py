from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.customers.models import AccountAssignment, Contact, Contract, Customer


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    # fields management may classify core (A7.1) never show in admin
    hidden_fields = ("decision_process", "pref_customisation", "pref_price_sensitivity", "purchase_potential_note",
                     "industry_influence_note")
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
    hidden_fields = ("terms_summary",)
    list_display = ("number", "customer", "start_on", "end_on")


@admin.register(AccountAssignment)
class AccountAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("customer", "manager", "started_on", "ended_on")

# FloorPrice is core data (A7.1) and deliberately not registered in admin.
