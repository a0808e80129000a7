from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "kam.service"
    label = "service"
    verbose_name = "售后绿色通道"
