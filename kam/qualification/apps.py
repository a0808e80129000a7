from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "kam.qualification"
    label = "qualification"
    verbose_name = "大客户认定"
