from django.contrib import admin

from kam.audit.models import AuditEvent
from kam.core.admin_mixins import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "action", "target_type", "target_id", "rule")
    list_filter = ("action",)
