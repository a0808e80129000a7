from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kam.audit"
    label = "audit"
    verbose_name = "审计"

    def ready(self) -> None:
        from kam.audit import sqlite_guard

        sqlite_guard.install()
