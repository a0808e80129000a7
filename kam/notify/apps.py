from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kam.notify"
    label = "notify"
    verbose_name = "通知"

    def ready(self) -> None:
        from kam.core.navigation import register_counter
        from kam.notify.services import unread_count

        register_counter("inbox", unread_count)

        from kam.core.health import register_probe
        from kam.notify.services import outbox_health

        register_probe("outbox", outbox_health)
