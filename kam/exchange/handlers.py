"""Reusable handlers: key-based upsert of flat models, duplicate keys. Reference resolvers (customers) are
plugged in by the apps that own the referenced model (see kam.customers.imports.check_customer_refs)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from kam.audit.services import _jsonable
from kam.exchange.pipeline import ImportContext, Row
from kam.exchange.registry import Handler

#: values per `IN (…)` list: SQLite refuses more than 32,766 variables in one statement ("too many SQL variables")
IN_BATCH = 500


#: SQLite's smallest variable limit (SQLITE_LIMIT_VARIABLE_NUMBER of builds before 3.32): what Django's
#: bulk_update batches are sized for — but each object of a bulk_update costs 2 variables per field (its CASE
#: WHEN pk = … THEN …) plus one (the pk IN list), more than Django's estimate
SQLITE_MIN_VARIABLES = 999


def update_batch_size(fields: int) -> int:
    """Objects per bulk_update statement of `fields` fields, under any SQLite's variable limit."""
    return max(1, SQLITE_MIN_VARIABLES // (2 * fields + 1))


def batched(values: Iterable[Any], size: int = IN_BATCH) -> Iterator[list[Any]]:
    """Lists of at most `size` values, for `field__in=` lookups of unbounded length."""
    batch: list[Any] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def filter_in(queryset: Any, field: str, values: Iterable[Any], size: int = IN_BATCH) -> Iterator[Any]:
    """`queryset.filter(<field>__in=values)` in batches of `size` values: every row once, however many values."""
    for batch in batched(dict.fromkeys(values), size):
        yield from queryset.filter(**{f"{field}__in": batch})


def check_duplicate_keys(rows: list[Row], ctx: ImportContext, key: Callable[[Row], Any], field: str,
                         needs: tuple[str, ...] | None = None) -> list[Row]:
    """A key seen in an earlier row of the file is an error on `field`. Rows whose key fields (`needs`, default
    `field`) have an error are left out of the comparison; rows with other errors take part (every error of
    the file in one pass). Returns the rows that are not duplicates."""
    seen: dict[Any, int] = ctx.cache.setdefault("keys:" + field, {})
    needs = needs or (field,)
    valid = []
    for row in rows:
        if not row.ok(*needs):
            valid.append(row)
            continue
        k = key(row)
        if k in seen:
            ctx.error(row, field, _("与第 %(line)d 行重复") % {"line": seen[k]})
        else:
            seen[k] = row.line
            valid.append(row)
    return valid


class ModelHandler(Handler):
    """Upsert one model row per file row by business key.

    `fields`: model field names written from the row (values of columns with the same field name);
    `refs`: column fields resolved by `resolve(rows, ctx, field)` to ids (written as `<field>_id`); the resolver
        reports what it cannot resolve and returns every row;
    `validate(row, ctx)`: the row's own rules, run on every row (it checks only fields that are sound);
    `secret_fields`: personal or core data — the audit names them, never values (A7.2);
    `derive(obj) -> field names`: refreshes fields computed from others (search keys) on each row written.
    """

    def __init__(self, model: type[models.Model], *, key: tuple[str, ...], fields: tuple[str, ...],
                 refs: tuple[str, ...] = (), fks: tuple[str, ...] | None = None,
                 resolve: Callable[[list[Row], ImportContext, str], list[Row]] | None = None,
                 secret_fields: frozenset[str] = frozenset(),
                 defaults: dict[str, Any] | None = None,
                 validate: Callable[[Row, ImportContext], bool] | None = None,
                 derive: Callable[[Any], tuple[str, ...]] | None = None) -> None:
        self.model = model
        self.key = key
        self.fields = fields
        self.refs = refs
        if refs and resolve is None:
            raise ValueError("ModelHandler with refs needs a resolver")
        self.resolve = resolve
        self.fks = refs if fks is None else fks  # fields written through <name>_id
        self.secret_fields = secret_fields
        self.defaults = defaults or {}
        self.validate = validate
        self.derive = derive

    def _attr(self, name: str) -> str:
        return name + "_id" if name in self.fks else name

    def _key_of_row(self, row: Row) -> tuple:
        return tuple(row.values.get(self._attr(k)) for k in self.key)

    def prepare(self, rows, ctx):
        for ref in self.refs:
            rows = self.resolve(rows, ctx, ref)
        if self.validate is not None:
            for row in rows:  # every row, those with errors too: `validate` checks what is sound
                self.validate(row, ctx)
        return check_duplicate_keys(rows, ctx, self._key_of_row, self.key[-1], needs=self.key)

    def _values(self, row: Row) -> dict[str, Any]:
        values = {}
        for name in self.fields:
            attr = self._attr(name)
            if attr in row.values or name in row.values:
                value = row.values.get(attr)
                if value is None and name not in self.fks:
                    value = self.defaults.get(name, _blank_for(self.model, name))
                values[attr] = value
        return values

    def apply(self, rows, ctx):
        if not rows:
            return
        attrs = [self._attr(k) for k in self.key]
        existing = {tuple(getattr(o, a) for a in attrs): o for o in filter_in(
            self.model.objects.all(), attrs[0], (self._key_of_row(r)[0] for r in rows))}
        to_create, to_update, changed_fields = [], [], set()
        for row in rows:
            values = self._values(row)
            obj = existing.get(self._key_of_row(row))
            if obj is None:
                obj = self.model(**{**self.defaults, **values})
                if self.derive is not None:
                    self.derive(obj)
                to_create.append(obj)
                continue
            changes = {}
            for attr, new in values.items():
                old = getattr(obj, attr)
                if old != new:
                    name = attr[:-3] if attr.endswith("_id") and attr[:-3] in self.fks else attr
                    changes[name] = ({"changed": True} if name in self.secret_fields
                                     else {"old": _jsonable(old), "new": _jsonable(new)})
                    setattr(obj, attr, new)
                    changed_fields.add(attr)
            if changes:
                if self.derive is not None:
                    changed_fields.update(self.derive(obj))
                to_update.append(obj)
                ctx.audit_update(obj, changes)
            else:
                ctx.counts["unchanged"] += 1
        if to_create:
            self.model.objects.bulk_create(to_create, batch_size=1000)
            ctx.counts["created"] += len(to_create)
        if to_update:
            self.model.objects.bulk_update(to_update, sorted(changed_fields),
                                           batch_size=update_batch_size(len(changed_fields)))
            ctx.counts["updated"] += len(to_update)


def _blank_for(model, name: str):
    field = model._meta.get_field(name)
    if field.null:
        return None
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.CharField | models.TextField):
        return ""
    return None
