from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.obligations.models import Alert


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("rule", "kind", "label", "owner", "due_at", "created_at")
    list_filter = ("rule", "kind")
