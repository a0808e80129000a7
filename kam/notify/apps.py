from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "kam.notify"
    label = "notify"
    verbose_name = "通知"
