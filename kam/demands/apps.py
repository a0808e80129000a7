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
        from kam.demands.selectors import customer_requests

        register_panel(CustomerPanel("requests", _("客户需求"), "demands/_customer_panel.html", customer_requests,
                                     order=20))
