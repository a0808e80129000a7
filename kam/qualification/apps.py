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

        register(NavEntry("qualification:key_accounts", _("大客户"), group="customers", order=80),
                 NavEntry("qualification:reviews", _("年度评审"),
                          (Role.HEAD_OF_SALES, Role.MANAGEMENT, Role.ACCOUNT_MANAGER), group="review", order=90),
                 NavEntry("qualification:portfolios", _("客户经理负荷"), (Role.HEAD_OF_SALES, Role.MANAGEMENT),
                          group="customers", order=100),
                 NavEntry("qualification:criteria", _("认定标准"), group="review", order=110))
