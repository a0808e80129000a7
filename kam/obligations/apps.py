from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "kam.obligations"
    label = "obligations"
    verbose_name = "义务与提醒"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # each domain app registers its clock rules in <app>/rules_engine.py
        autodiscover_modules("obligation_rules")
