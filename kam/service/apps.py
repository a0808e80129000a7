from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "kam.service"
    label = "service"
    verbose_name = "售后绿色通道"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register, register_counter
        from kam.service.selectors import open_tickets
        from kam.users.models import Role

        register(NavEntry("service:tickets", _("售后工单"),
                          (Role.AFTER_SALES, Role.HEAD_OF_SALES, Role.ACCOUNT_MANAGER, Role.MANAGEMENT),
                          group="service", order=50))
        register_counter("queue:after_sales", open_tickets)

        from kam.obligations.handoffs import Handoff, register_handoff
        from kam.service.selectors import ticket_get
        from kam.service.services import ticket_open_for_repair

        register_handoff(Handoff(kind="repair", department="after_sales", open=ticket_open_for_repair,
                                 find=ticket_get))

        from kam.customers.panels import CustomerPanel, register_panel
        from kam.service.selectors import customer_tickets, customer_tickets_query

        register_panel(CustomerPanel("tickets", _("售后记录"), "service/_customer_panel.html", customer_tickets,
                                     order=10, query=customer_tickets_query))

        from kam.core.home import AccountColumn, HomePanel, register_account_column
        from kam.core.home import register_panel as register_home_panel
        from kam.service import home

        register_home_panel(
            HomePanel("service.sla", _("绿色通道时限"), (Role.HEAD_OF_SALES, Role.MANAGEMENT), home.sla_panel,
                      order=40, rule="A11"),
            HomePanel("service.assigned", _("指派给我的工单"), (Role.AFTER_SALES,), home.assigned_panel, order=61))
        register_account_column(AccountColumn("tickets", _("在办工单"), home.open_tickets_by_customer, order=50))

        from kam.customers.panels import register_activity, register_figures
        from kam.service.activity import ticket_entry, ticket_figures, ticket_query, ticket_values

        register_figures("tickets", ticket_values, ticket_figures, order=40)
        register_activity("tickets", _("售后工单"), order=30, query=ticket_query, entry=ticket_entry)

        from kam.core.search import SearchProvider, register_provider
        from kam.service.search import ticket_hits
        from kam.users.models import CUSTOMER_READER_ROLES

        register_provider(SearchProvider("tickets", _("售后工单"), ticket_hits, roles=CUSTOMER_READER_ROLES, order=30,
                                         hint=_("工单号或其中一段（例如 SH20261201-001、1201-001）")))
