from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.engagement.models import ContactLog, Visit


@admin.register(ContactLog)
class ContactLogAdmin(ReadOnlyAdmin):
    list_display = ("customer", "at", "kind", "author", "topic")
    list_filter = ("kind",)


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("customer", "owner", "starts_at", "status")
    list_filter = ("status",)
