from django.apps import AppConfig


class CareConfig(AppConfig):
    """Care and compliance: occasions (A14.1), the gift register with its gates (A14.2), commitments approved by
    the department that must keep them (A18.1)."""

    name = "kam.care"
    label = "care"
    verbose_name = "节日关怀与礼品"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.approvals.registry import ApprovalKind, register_kind
        from kam.core.navigation import NavEntry, register
        from kam.customers.panels import CustomerPanel, load_from, register_panel
        from kam.users.models import Role

        register(NavEntry("care:gifts", _("礼品登记"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT),
                          group="customers", order=70),
                 NavEntry("care:occasions", _("节日关怀"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT),
                          group="customers", order=68))
        register(NavEntry("care:commitments", _("客户承诺"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT,
                                                          Role.FINANCE, Role.AFTER_SALES, Role.MARKETING),
                          group="customers", order=72))
        register(NavEntry("care:integrity", _("廉洁合规"), (Role.MANAGEMENT,), group="admin", order=135))
        register_kind(ApprovalKind("care.gift", _("礼品审批（超过审批门槛）"), "A14.2"))
        register_kind(ApprovalKind("care.commitment", _("客户承诺（兑现部门审批）"), "A18.1"))
        from kam.care.selectors import customer_commitments_query, customer_gifts_query, panel_rows_with_links

        # each panel reads its rows with the customer page's one satellite query (issue 11); `load` is the same read
        register_panel(CustomerPanel("gifts", _("礼品"), "care/_customer_panel.html",
                                     load_from(customer_gifts_query, panel_rows_with_links), order=30,
                                     query=customer_gifts_query, finish=panel_rows_with_links))
        register_panel(CustomerPanel("commitments", _("客户承诺"), "care/_commitment_panel.html",
                                     load_from(customer_commitments_query, panel_rows_with_links), order=31,
                                     query=customer_commitments_query, finish=panel_rows_with_links))
        # A14.2, A3: the half-yearly gift compliance summary (kam.care.gift_views)
        register(NavEntry("care:gift_summary", _("礼品合规汇总"), (Role.HEAD_OF_SALES, Role.MANAGEMENT), group="admin",
                          order=136))
        # --- A18.1 / A18.2: operating settings, contracts -------------------------------------------------------
        from kam.policy.operating import OperatingSpec, integer
        from kam.policy.operating import register as register_setting

        register_setting(
            OperatingSpec("commitments.approval_working_days", 2, "A18.1", _("客户承诺审批期限"), integer(1, 30),
                          unit=_("个工作日"),
                          help=_("承诺登记后超过该工作日数仍未经兑现部门审批，提醒销售部负责人。")),
            OperatingSpec("contracts.expiry_remind_days", 60, "A18.2", _("合同到期提前提醒天数"), integer(1, 365),
                          unit=_("天"), help=_("合同结束前该天数起，提醒客户经理续签。")))
        register(NavEntry("care:contracts", _("合同"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES, Role.MANAGEMENT,
                                                       Role.FINANCE), group="customers", order=73))
        from kam.care.contracts import contract_panel_rows, customer_contracts_query

        register_panel(CustomerPanel("contracts", _("合同"), "care/_contract_panel.html",
                                     load_from(customer_contracts_query, contract_panel_rows), order=32,
                                     query=customer_contracts_query, finish=contract_panel_rows))

        self._ready_occasions()

    def _ready_occasions(self) -> None:
        """A14.1: the occasions on the visit calendar and its ICS feed, in the daily digest and beside "my day"'s
        rows; the holiday list and the monthly overview in the navigation."""
        from django.utils.translation import gettext_lazy as _

        from kam.calendar.entries import register_provider
        from kam.care.occasion_selectors import calendar_entries, digest_lines, obligation_notes
        from kam.core.navigation import NavEntry, register
        from kam.obligations.contributions import DigestSection, register_digest_section, register_notes
        from kam.users.models import Role

        register_provider("care.occasions", calendar_entries)
        register_notes("A14.1", obligation_notes)
        register_digest_section(DigestSection("care.occasions", "近期重要日子（A14.1）", digest_lines,
                                              replaces_rules=("A14.1",)))
        register(NavEntry("care:occasion_month", _("节日关怀月览"), (Role.HEAD_OF_SALES, Role.MANAGEMENT),
                          group="customers", order=69),
                 NavEntry("care:holidays", _("公司节日"), (Role.HEAD_OF_SALES, Role.ADMINISTRATOR, Role.MANAGEMENT),
                          group="admin", order=137))
