from django.apps import AppConfig


class CalendarConfig(AppConfig):
    name = "kam.calendar"
    label = "calendar"
    verbose_name = "工作日历"

    def ready(self) -> None:
        from django.core import checks

        from . import signals
        from .checks import check_calendar_coverage

        signals.connect()
        checks.register(check_calendar_coverage, "kam_calendar")

        from django.utils.translation import gettext_lazy as _

        from kam.calendar.home import years_panel
        from kam.core.home import HomePanel, register_panel
        from kam.users.models import Role

        register_panel(HomePanel("calendar.years", _("工作日历"), (Role.ADMINISTRATOR,), years_panel, order=86,
                                 rule="G.3"))
