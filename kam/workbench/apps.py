from django.apps import AppConfig


class WorkbenchConfig(AppConfig):
    """The place people start the day: the home page of each role (and, with the workbench issue, approvals
    and search). A workflow-layer app that reads the chapters only through what they register below it."""

    name = "kam.workbench"
    label = "workbench"
    verbose_name = "工作台"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register

        register(NavEntry("home", _("首页"), group="work", order=10))
