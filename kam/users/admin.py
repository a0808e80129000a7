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


def _hide_otp_devices() -> None:
    """django-otp registers its devices in Django's admin, where TOTP keys would be shown: devices are
    managed on the system's own pages (enrolment by the user, reset by the administrator) instead."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)


_hide_otp_devices()

