from django.apps import AppConfig


class QualificationConfig(AppConfig):
    name = "kam.qualification"
    label = "qualification"
    verbose_name = "大客户认定"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _l

        from kam.obligations.jobs import register_job
        from kam.obligations.kit import register_subjects
        from kam.qualification.services import monthly_flags
        from kam.qualification.spans import key_account_spans
        from kam.users.models import Role

        register_subjects("key_accounts", key_account_spans)

        from kam.approvals.registry import ApprovalKind, register_kind

        register_kind(ApprovalKind("qualification.review", _l("年度大客户名单"), "A5.1"))
        register_kind(ApprovalKind("qualification.proposal", _l("年中调整"), "A5.2"))
        register_job("A5.2 monthly check", monthly_flags)

        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import ALL_CUSTOMERS_ROLES

        # not for the administrator, who sees no customer (issue 13: no page that is always empty)
        register(NavEntry("qualification:key_accounts", _("大客户"), (*sorted(ALL_CUSTOMERS_ROLES),
                                                                      Role.ACCOUNT_MANAGER),
                          group="customers", order=80),
                 NavEntry("qualification:reviews", _("年度评审"),
                          (Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER), group="review", order=90),
                 NavEntry("qualification:portfolios", _("客户经理负荷"), (Role.HEAD_OF_SALES, Role.MANAGEMENT),
                          group="customers", order=100),
                 NavEntry("qualification:criteria", _("认定标准"), group="review", order=110))

        from kam.core.home import HomePanel, register_panel
        from kam.qualification import home

        register_panel(
            HomePanel("qualification.programme", _("大客户计划"), (Role.MANAGEMENT, Role.HEAD_OF_SALES),
                      home.programme_panel, order=30, rule="A2.1"),
            HomePanel("qualification.purchases", _("大客户采购额：今年与去年"), (Role.HEAD_OF_SALES, Role.MANAGEMENT),
                      home.purchases_panel, order=31),
            HomePanel("qualification.flags", _("动态调整提示"), (Role.HEAD_OF_SALES, Role.MANAGEMENT), home.flags_panel,
                      order=71, rule="A5.2"))
