from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "kam.exchange"
    label = "exchange"
    verbose_name = "导入导出"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # each domain app declares its import kinds in <app>/imports.py
        autodiscover_modules("imports")

        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role

        register(NavEntry("exchange:imports", _("数据导入"), (Role.HEAD_OF_SALES, Role.FINANCE), group="admin",
                          order=130))
