from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "kam.demands"
    label = "demands"
    verbose_name = "客户需求"
