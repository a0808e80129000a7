from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kam.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from kam.core.navigation import register_counter
        from kam.notify.services import unread

        register_counter("inbox", unread)

        from kam.core.health import register_probe
        from kam.notify.services import outbox_health

        register_probe("outbox", outbox_health)

        from django.utils.translation import gettext_lazy as _

        from kam.core.home import HomePanel, register_panel
        from kam.notify.home import outbox_panel
        from kam.users.models import Role

        register_panel(HomePanel("notify.outbox", _("通知发送"), (Role.ADMINISTRATOR,), outbox_panel, order=84))
