from django.apps import AppConfig


class ReceivablesConfig(AppConfig):
    name = "kam.receivables"
    label = "receivables"
    verbose_name = "应收"
