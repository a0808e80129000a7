from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The place people start the day: the home page of each role (and, with the workbench issue, approvals
    and search). A workflow-layer app that reads the chapters only through what they register below it
    (`kam.core.home` panels and account columns, `kam.core.navigation` entries)."""

    name = "kam.workbench"
    label = "workbench"
    verbose_name = "工作台"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.home import HomePanel, register_panel
        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role
        from kam.workbench.accounts import accounts_panel

        register(NavEntry("home", _("首页"), group="work", order=10))
        register_panel(HomePanel("workbench.accounts", _("我的客户"), (Role.ACCOUNT_MANAGER,), accounts_panel,
                                 template="workbench/_accounts.html", order=2, wide=True))
