from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "kam.exchange"
    label = "exchange"
    verbose_name = "导入导出"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # each domain app declares its import kinds in <app>/imports.py
        autodiscover_modules("imports")
