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
