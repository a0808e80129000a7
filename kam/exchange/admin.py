from django.contrib import admin

from kam.core.admin_mixins import ReadOnlyAdmin
from kam.exchange.models import ImportMapping, ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ("kind", "file_name", "status", "created_by", "created_at", "error_count")
    list_filter = ("kind", "status")


@admin.register(ImportMapping)
class ImportMappingAdmin(ReadOnlyAdmin):
    list_display = ("kind", "name", "created_by", "updated_at")
