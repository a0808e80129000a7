from django.apps import AppConfig


class ConfidentialityConfig(AppConfig):
    """A7: field classification (basic / core), masking, the audited reveal, and management's pages over the
    append-only audit and core-access logs. Foundation: below every app that shows customer data."""

    name = "kam.confidentiality"
    label = "confidentiality"
    verbose_name = "分级保密"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role

        register(NavEntry("confidentiality:audit_events", _("审计日志"), (Role.MANAGEMENT,), group="admin", order=140),
                 NavEntry("confidentiality:access_log", _("核心数据访问"), (Role.MANAGEMENT,), group="admin",
                          order=150),
                 NavEntry("confidentiality:classification", _("字段密级"), (Role.MANAGEMENT,), group="admin",
                          order=160))
