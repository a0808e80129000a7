from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "kam.policy"
    label = "policy"
    verbose_name = "政策设置"
