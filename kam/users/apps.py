from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "kam.users"
    label = "users"
    verbose_name = "用户与角色"

    def ready(self) -> None:
        from kam.users import signals

        signals.connect()

        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role

        register(NavEntry("users:tokens", _("API 令牌"), group="admin", order=170),
                 NavEntry("system:index", _("系统设置"), (Role.ADMINISTRATOR,), group="admin", order=180),
                 NavEntry("system:logins", _("登录记录"), (Role.MANAGEMENT,), group="admin", order=190),
                 NavEntry("admin:index", _("系统管理"), group="admin", order=300,
                          visible=lambda user: user.is_staff or user.has_role(Role.ADMINISTRATOR)))

        from kam.core.home import HomePanel, register_panel
        from kam.users.home import accounts_panel

        register_panel(HomePanel("users.accounts", _("用户与登录"), (Role.ADMINISTRATOR,), accounts_panel, order=80))
