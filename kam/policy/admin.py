from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.policy.models import PolicyVersion


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    """Read-only: versions change only through kam.policy.services (A2.3, audited)."""

    list_display = ("__str__", "status", "effective_from", "published_by", "published_at", "note")
    list_filter = ("status",)
    ordering = ("-number", "-id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
