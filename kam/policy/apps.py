from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "kam.policy"
    label = "policy"
    verbose_name = "政策设置"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register

        register(NavEntry("policy:in_force", _("政策设置"), group="review", order=120))
        from kam.users.models import Role

        register(NavEntry("policy:operating", _("运营设置"), (Role.ADMINISTRATOR, Role.HEAD_OF_SALES, Role.MANAGEMENT),
                          group="admin", order=125))

        from kam.approvals.registry import ApprovalKind, register_kind

        register_kind(ApprovalKind("policy.version", _("政策版本"), "A2.3"))
