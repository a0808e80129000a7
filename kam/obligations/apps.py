from django.apps import AppConfig


class ObligationsConfig(AppConfig):
    name = "kam.obligations"
    label = "obligations"
    verbose_name = "义务与提醒"

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        # each app registers the clock rules of its chapter in <app>/clocks.py
        autodiscover_modules("clocks")

        from kam.calendar.signals import official_schedule_entered
        from kam.obligations import store
        from kam.policy.signals import policy_published

        policy_published.connect(store.on_policy_published, dispatch_uid="obligations.policy_published")
        # no sender=: the sender is the year, an int (see kam.calendar.signals)
        official_schedule_entered.connect(store.on_official_schedule_entered,
                                          dispatch_uid="obligations.official_schedule_entered")

        from kam.core.health import register_probe
        from kam.obligations.sweep import sweep_health

        register_probe("sweep", sweep_health)

        from kam.exchange.services import imports_fail_stale
        from kam.obligations.jobs import register_job

        # issue 12 §2: an import run never stays "running" (the worker was killed, the database went away)
        register_job("stale imports", imports_fail_stale)

        from django.utils.translation import gettext_lazy as _

        from kam.core.navigation import NavEntry, register
        from kam.users.models import Role

        register(NavEntry("my_day", _("我的一天"), (Role.ACCOUNT_MANAGER, Role.HEAD_OF_SALES), order=20),
                 NavEntry("compliance", _("执行总览"), (Role.HEAD_OF_SALES, Role.MANAGEMENT), order=30),
                 NavEntry("queue", _("售后队列"), (Role.AFTER_SALES,), order=200, url_args=("after_sales",),
                          count_key="queue:after_sales"),
                 NavEntry("queue", _("市场部队列"), (Role.MARKETING,), order=210, url_args=("marketing",),
                          count_key="queue:marketing"),
                 NavEntry("queue", _("财务部队列"), (Role.FINANCE,), order=220, url_args=("finance",),
                          count_key="queue:finance"))
