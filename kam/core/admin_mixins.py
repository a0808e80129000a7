"""Django admin for domain models is read-only (issue 2 §2): admin is never a way around
services, selectors or the audit. Core fields are masked there like everywhere else (A7.1)."""

from __future__ import annotations

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    #: fields never shown in admin (core data and encrypted personal data)
    hidden_fields: tuple[str, ...] = ()

    def get_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.concrete_fields
                if f.name not in self.hidden_fields and not f.primary_key]

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
