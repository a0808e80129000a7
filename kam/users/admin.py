from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from kam.users.models import ApiToken, RoleGrant, User


class RoleGrantInline(admin.TabularInline):
    model = RoleGrant
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """Administrators manage users and roles (technical settings), never business data."""

    inlines = [RoleGrantInline]
    list_display = ("username", "display_name", "department", "is_active", "last_login")
    list_filter = ("department", "is_active", "role_grants__role")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("kam", {"fields": ("display_name", "department", "phone", "wecom_userid")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("user", "name", "prefix", "token_hash", "created_at", "last_used_at")
    exclude = ()

    def has_add_permission(self, request):
        return False
