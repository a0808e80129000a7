from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "kam.dossier"
    label = "dossier"
    verbose_name = "客户档案与保密"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register

        register(NavEntry("customers:list", _("客户"), group="customers", order=70))
