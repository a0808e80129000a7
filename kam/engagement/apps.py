from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "kam.engagement"
    label = "engagement"
    verbose_name = "沟通与拜访"
