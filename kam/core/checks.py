"""System check kam.core.W002: rows already stored outside the bounds of kam.core.bounds (issue 12 §1).

A database check (tag `database`): it runs with `manage.py check --database default` and before
`manage.py migrate`, never in the plain `check --deploy`. Generic — core imports no feature app: every
model of the project's apps (third-party tables keep sentinels of their own) is inspected, and its
DateField, DateTimeField and DecimalField columns are counted outside their window in one aggregate
query per model. A field's window:
  dates and instants  2000-01-01 … ten years after today; from 1900-01-01 when the field carries
                      `bounds.validate_historic_date`;
  decimals            |value| < 10^(max_digits − decimal_places) (a value that does not fit its column makes
                      every page that reads it fail on SQLite); below zero only when the field carries a
                      `bounds.MoneyValidator` (not allow_negative) or a MinValueValidator.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.apps import AppConfig, apps
from django.core import checks
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import DatabaseError, connections, models
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from kam.core import bounds

W002 = "kam.core.W002"


def _date_bounds(field: models.DateField, today: dt.date) -> tuple[Q, str]:
    historic = bounds.validate_historic_date in field.validators
    if isinstance(field, models.DateTimeField):
        now = dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC)
        start, end = bounds.datetime_window(now, historic=historic)
        q = Q(**{f"{field.attname}__lt": start}) | Q(**{f"{field.attname}__gte": end})
        return q, f"{start.date()} … {(end - dt.timedelta(days=1)).date()}"
    earliest, latest = bounds.date_window(today, historic=historic)
    q = Q(**{f"{field.attname}__lt": earliest}) | Q(**{f"{field.attname}__gt": latest})
    return q, f"{earliest} … {latest}"


def _decimal_bounds(field: models.DecimalField) -> tuple[Q, str]:
    name = field.attname
    limit = Decimal(10) ** ((field.max_digits or 0) - (field.decimal_places or 0))
    q = Q(**{f"{name}__gte": limit}) | Q(**{f"{name}__lte": -limit})
    window = f"|x| < {limit:,}"
    for validator in field.validators:
        if isinstance(validator, bounds.MoneyValidator) and not validator.allow_negative:
            q |= Q(**{f"{name}__lt": 0})
            window = f"0 ≤ x < {limit:,}"
        elif isinstance(validator, MinValueValidator):
            q |= Q(**{f"{name}__lt": validator.limit_value})
            window += f", x ≥ {validator.limit_value}"
        elif isinstance(validator, MaxValueValidator):
            q |= Q(**{f"{name}__gt": validator.limit_value})
            window += f", x ≤ {validator.limit_value}"
    return q, window


def bound_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.local_concrete_fields
            if isinstance(f, models.DateField | models.DecimalField)]


def out_of_bounds(model: type[models.Model], *, using: str = "default",
                  today: dt.date | None = None) -> list[tuple[models.Field, int, str]]:
    """(field, rows outside, the window) for every bounded field of `model` with rows outside: one query."""
    from django.utils import timezone

    today = today or timezone.localdate()
    fields = bound_fields(model)
    if not fields:
        return []
    aggregates = {}
    windows = {}
    for i, field in enumerate(fields):
        if isinstance(field, models.DecimalField):
            q, window = _decimal_bounds(field)
        else:
            q, window = _date_bounds(field, today)
        aggregates[f"f{i}"] = Count("pk", filter=q)
        windows[f"f{i}"] = (field, window)
    counts = model._base_manager.using(using).aggregate(**aggregates)
    return [(windows[k][0], n, windows[k][1]) for k, n in counts.items() if n]


def check_stored_bounds(app_configs: Sequence[AppConfig] | None = None, databases: Sequence[str] | None = None,
                        **kwargs: Any) -> list[checks.CheckMessage]:
    if not databases:
        return []
    from django.conf import settings

    messages: list[checks.CheckMessage] = []
    # the project's own apps: third-party tables keep sentinels of their own (django-tasks: run_after 9999-01-01)
    project = settings.ROOT_URLCONF.split(".")[0] + "."
    configs = app_configs or [c for c in apps.get_app_configs() if c.name.startswith(project)]
    for alias in databases:
        tables = set(connections[alias].introspection.table_names())
        for config in configs:
            for model in config.get_models():
                opts = model._meta
                if opts.proxy or not opts.managed or opts.db_table not in tables:
                    continue
                try:
                    found = out_of_bounds(model, using=alias)
                except DatabaseError:  # a table not yet migrated to the current fields
                    continue
                for field, count, window in found:
                    messages.append(checks.Warning(
                        _("%(field)s：%(n)d 行超出范围 %(window)s（数据库 %(db)s）") % {
                            "field": f"{opts.label}.{field.name}", "n": count, "window": window, "db": alias},
                        hint=_("请更正这些行（管理页面、API 或重新导入）：读取它们的页面和定时检查可能出错。"
                               "范围见 kam.core.bounds。"),
                        obj=model, id=W002))
    return messages
