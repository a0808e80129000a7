from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "kam.engagement"
    label = "engagement"
    verbose_name = "沟通与拜访"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role

        register(NavEntry("engagement:calendar", _("拜访日历"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES), order=40))
        # the lists of contact logs and visits (issue 13); the calendar and both lists share tabs
        register(NavEntry("engagement:contacts", _("沟通记录"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES,
                                                               Role.MANAGEMENT), group="customers", order=75))

        from kam.customers.panels import CustomerPanel, register_panel
        from kam.engagement.selectors import customer_communications, customer_communications_query

        register_panel(CustomerPanel("communications", _("沟通记录"), "engagement/_customer_panel.html",
                                     customer_communications, order=30, wide=True,
                                     query=customer_communications_query))

        from kam.core.home import AccountColumn, register_account_column
        from kam.engagement import home

        register_account_column(AccountColumn("last_contact", _("最近沟通"), home.last_contact, order=20),
                                AccountColumn("visits", _("最近拜访 · 下次"), home.visits, order=30))

        from kam.customers.panels import register_activity, register_figures
        from kam.engagement.activity import (
            contact_entry,
            contact_query,
            engagement_figures,
            engagement_values,
            visit_entry,
            visit_query,
        )

        register_figures("engagement", engagement_values, engagement_figures, order=60)
        register_activity("contacts", _("沟通"), order=10, query=contact_query, entry=contact_entry)
        register_activity("visits", _("拜访"), order=20, query=visit_query, entry=visit_entry)
