from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "kam.users"
    label = "users"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role

        register(NavEntry("users:tokens", _("API 令牌"), group="admin", order=170),
                 NavEntry("admin:index", _("系统管理"), group="admin", order=300,
                          visible=lambda user: user.is_staff or user.has_role(Role.ADMINISTRATOR)))
