from django.apps import AppConfig


class DossierConfig(AppConfig):
    name = "kam.dossier"
    label = "dossier"
    verbose_name = "客户档案与保密"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import ALL_CUSTOMERS_ROLES, Role

        # not for the administrator, who sees no customer (issue 13: no page that is always empty)
        register(NavEntry("customers:list", _("客户"), (*sorted(ALL_CUSTOMERS_ROLES), Role.ACCOUNT_MANAGER),
                          group="customers", order=70))

        from kam.customers.panels import register_activity
        from kam.dossier.activity import dossier_entry, dossier_query

        register_activity("dossier", _("档案更新"), order=80, query=dossier_query, entry=dossier_entry)
