from django.apps import AppConfig


class DemandsConfig(AppConfig):
    name = "kam.demands"
    label = "demands"
    verbose_name = "客户需求"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register, register_counter
        from kam.demands.selectors import open_request_counter
        from kam.users.models import Role

        register(NavEntry("demands:list", _("客户需求"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT,
                                                       Role.AFTER_SALES, Role.MARKETING, Role.FINANCE),
                          group="service", order=60))
        from kam.approvals.registry import ApprovalKind, register_kind

        register_kind(ApprovalKind("demands.escalation", _("需求升级（待指派）"), "A15.2"))
        for department in ("after_sales", "marketing", "finance"):
            register_counter(f"queue:{department}", open_request_counter(department))

        from kam.customers.panels import CustomerPanel, register_panel
        from kam.demands.selectors import customer_requests, customer_requests_query

        register_panel(CustomerPanel("requests", _("客户需求"), "demands/_customer_panel.html", customer_requests,
                                     order=20, query=customer_requests_query))

        from kam.core.home import AccountColumn, HomePanel, register_account_column
        from kam.core.home import register_panel as register_home_panel
        from kam.demands import home

        register_home_panel(
            HomePanel("demands.sla", _("客户需求时限"), (Role.HEAD_OF_SALES, Role.MANAGEMENT), home.sla_panel,
                      order=41, rule="A15.1"),
            HomePanel("demands.assigned", _("指派给我的客户需求"), (Role.AFTER_SALES, Role.MARKETING, Role.FINANCE),
                      home.assigned_panel, order=62))
        register_account_column(AccountColumn("requests", _("未关闭需求"), home.open_requests_by_customer, order=60))

        from kam.customers.panels import register_activity, register_figures
        from kam.demands.activity import request_entry, request_figures, request_query, request_values

        register_figures("requests", request_values, request_figures, order=50)
        register_activity("requests", _("客户需求"), order=40, query=request_query, entry=request_entry)

        from kam.core.search import SearchProvider, register_provider
        from kam.demands.search import request_hits
        from kam.users.models import CUSTOMER_READER_ROLES

        register_provider(SearchProvider("requests", _("客户需求"), request_hits, roles=CUSTOMER_READER_ROLES, order=40,
                                         hint=_("需求编号或其中一段（例如 XQ20261201-001）")))
