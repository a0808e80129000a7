"""Several small related row sets in one query (issue 11: a page in a bounded, small number of queries).

`rows(qs, fields)` is a scalar subquery giving the rows of `qs` as one JSON array (SQLite `json_group_array`,
PostgreSQL `json_agg`), so that a page can read e.g. a customer's contacts, licences, contracts and designations as
columns of one SELECT instead of one query each; `instances(model, value, fields)` turns such a column back into
model instances (the same conversions the database layer applies: aware datetimes, dates, Decimal, booleans,
decrypted fields), with related rows (`"by__display_name"`-style fields) attached as partial instances.

Meant for the bounded satellites of one page (a customer's dozen contacts, its last orders): `qs` should be
filtered and, when it can grow, sliced (`rows` keeps the slice through `pk IN (…)`, as SQLite allows no LIMIT
inside an aggregate's subquery). Ordering inside a JSON aggregate is not guaranteed: callers sort in Python.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models
from django.db.models import CharField, F, Subquery, Value
from django.db.models.functions import Cast, JSONObject
from django.utils.dateparse import parse_date, parse_datetime

M = TypeVar("M", bound=models.Model)


class _JSONArrayAgg(models.Aggregate):
    """The rows of a group as a JSON array of its argument: SQLite's json_group_array, PostgreSQL's json_agg."""

    function = "JSON_GROUP_ARRAY"
    output_field = models.TextField()

    def as_postgresql(self, compiler, connection, **extra):
        sql, params = self.as_sql(compiler, connection, function="JSON_AGG", **extra)
        return f"({sql})::text", params


def _field(model: type[models.Model], path: str) -> models.Field:
    """The model field a `a__b` path ends on."""
    *joins, last = path.split("__")
    for name in joins:
        model = model._meta.get_field(name).related_model  # type: ignore[assignment]
    return model._meta.get_field(last)  # type: ignore[return-value]


def _column(model: type[models.Model], path: str, annotations: dict | None = None):
    if path == "pk":
        return F("pk")
    field = annotations[path].output_field if annotations and path in annotations else _field(model, path)
    if isinstance(field, models.DecimalField):
        return Cast(F(path), CharField())  # exact yuan: never through a JSON float
    return F(path)


def all_fields(model: type[models.Model]) -> list[str]:
    """Every concrete column of the model but its key (foreign keys by name: their id)."""
    return [f.name for f in model._meta.concrete_fields if not f.primary_key]


def rows(qs: models.QuerySet, fields: list[str] | None = None) -> Subquery:
    """A scalar subquery: the rows of `qs` as one JSON array of objects with `pk` and `fields` (`a__b` follows a
    relation; an annotation of `qs` by its name; None: every column). A sliced `qs` keeps its slice (its first rows
    in its order) through `pk IN (…)`."""
    model = qs.model
    fields = all_fields(model) if fields is None else fields
    names = ["pk", *[f for f in fields if f != "pk"]]
    base = qs
    if qs.query.is_sliced:
        base = qs.all()
        base.query.clear_limits()
        base = base.filter(pk__in=qs.values("pk"))
    annotations = qs.query.annotations
    columns = {name: _column(model, name, annotations) for name in names}
    agg = (base.order_by().annotate(_group=Value(1)).values("_group")
           .annotate(_rows=_JSONArrayAgg(JSONObject(**columns))).values("_rows"))
    return Subquery(agg[:1], output_field=models.TextField())


def decode(value: Any) -> list[dict[str, Any]]:
    """The JSON array of a `rows` column (None when there was no row)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return json.loads(value)


def _datetime(value: Any) -> Any:
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)  # stored in UTC (USE_TZ)
    return value


def converter(field: models.Field, connection=None):
    """How a JSON value of this column becomes what the database layer would have returned (chosen once per
    column, not per value)."""
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.DateField):
        return lambda v: parse_date(v) if isinstance(v, str) else v
    if isinstance(field, models.DecimalField):
        places = field.decimal_places
        exp = Decimal(1).scaleb(-places) if places is not None else None
        return lambda v: Decimal(str(v)).quantize(exp) if exp is not None else Decimal(str(v))
    if isinstance(field, models.BooleanField):
        return bool
    if isinstance(field, models.JSONField):
        return lambda v: json.loads(v) if isinstance(v, str) else v  # PostgreSQL embeds it, SQLite quotes it
    if isinstance(field, models.ForeignKey):
        return lambda v: int(v) if isinstance(v, (int, str)) and str(v).lstrip("-").isdigit() else v
    if hasattr(field, "from_db_value"):
        return lambda v: field.from_db_value(v, None, connection)
    return None


def convert(field: models.Field, value: Any, connection=None) -> Any:
    """A JSON value of a column as the database layer would have returned it."""
    if value is None:
        return None
    fn = converter(field, connection)
    return value if fn is None else fn(value)


def _build(model: type[M], values: dict[str, Any]) -> M:
    """An instance as read from the database with these columns (the others deferred)."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(None, names, [values[n] for n in names])


def instances(model: type[M], value: Any, fields: list[str] | None = None,
              annotations: dict[str, models.Field] | None = None) -> list[M]:
    """Model instances from a `rows` column (the same `fields`); fields through a relation (`by__display_name`)
    build a partial instance of the related model on the row (so `str(row.by)` needs no query); `annotations`
    (name → output field) become attributes."""
    from django.db import connection

    fields = all_fields(model) if fields is None else fields
    annotations = annotations or {}
    own = [f for f in fields if "__" not in f and f != "pk" and f not in annotations]
    related: dict[str, list[str]] = {}
    for f in fields:
        if "__" in f:
            head, rest = f.split("__", 1)
            related.setdefault(head, []).append(rest)
    meta = model._meta
    pk_name = meta.pk.attname
    own_columns = [(name, meta.get_field(name).attname, converter(meta.get_field(name), connection)) for name in own]
    related_columns = []
    for head, names in related.items():
        fk = meta.get_field(head)
        target = fk.related_model
        related_columns.append((head, fk.attname, target, target._meta.pk.attname, [
            (f"{head}__{n}", target._meta.get_field(n).attname, converter(target._meta.get_field(n), connection))
            for n in names]))
    annotation_columns = [(name, converter(out, connection)) for name, out in annotations.items()]
    result = []
    for row in decode(value):
        values = {pk_name: row.get("pk")}
        for key, attname, fn in own_columns:
            v = row.get(key)
            values[attname] = v if v is None or fn is None else fn(v)
        obj = _build(model, values)
        for head, fk_attname, target, target_pk, columns in related_columns:
            fk_value = getattr(obj, fk_attname, None)
            if fk_value is None:
                continue
            sub = {target_pk: fk_value}
            for key, attname, fn in columns:
                v = row.get(key)
                sub[attname] = v if v is None or fn is None else fn(v)
            setattr(obj, head, _build(target, sub))
        for name, fn in annotation_columns:
            v = row.get(name)
            setattr(obj, name, v if v is None or fn is None else fn(v))
        result.append(obj)
    return result





def grouped_rows(qs: models.QuerySet, *, decimals: tuple[str, ...] = ()) -> Any:
    """A scalar subquery: the rows of a `values(…).annotate(…)` queryset (an aggregate by group, e.g. the sum per
    year) as one JSON array of objects keyed by its column names; `decimals` travel as text (exact)."""
    from django.db import connection
    from django.db.models.expressions import RawSQL

    names = list(qs.query.values_select) + list(qs.query.annotation_select)
    if not all(n.isidentifier() for n in names):  # the names are the code's own aliases, never input
        raise ValueError(f"grouped_rows: unexpected column names {names}")
    sql, params = qs.query.sql_with_params()
    qn = connection.ops.quote_name

    def col(n: str) -> str:
        return f"CAST(_g.{qn(n)} AS TEXT)" if n in decimals else f"_g.{qn(n)}"

    pairs = ", ".join(f"'{n}', {col(n)}" for n in names)
    if connection.vendor == "postgresql":
        outer = f"(SELECT JSON_AGG(JSON_BUILD_OBJECT({pairs}))::text FROM ({sql}) AS _g)"
    else:
        outer = f"(SELECT JSON_GROUP_ARRAY(JSON_OBJECT({pairs})) FROM ({sql}) AS _g)"
    # the inner query is Django's own SQL with its parameters bound; the names are checked identifiers
    return RawSQL(outer, params, output_field=models.TextField())  # noqa: S611


def _order_of(qs: models.QuerySet) -> list[tuple[str, bool]]:
    """The queryset's ordering as (own field, descending) pairs (what Python can sort on)."""
    query = qs.query
    spec = list(query.order_by) if query.order_by else (
        list(qs.model._meta.ordering) if query.default_ordering else [])
    result = []
    for item in spec:
        if not isinstance(item, str) or item == "?":
            continue
        name, desc = (item[1:], True) if item.startswith("-") else (item, False)
        if "__" in name:
            continue
        result.append(("pk" if name in ("pk", qs.model._meta.pk.name) else name, desc))
    return result


class RowSet:
    """A queryset read as one JSON column of another query (`expression`), given back by `load` as model
    instances in the queryset's own order (the aggregate does not keep it: sorted again here, ties by key)."""

    def __init__(self, qs: models.QuerySet, fields: list[str] | None = None):
        self.model = qs.model
        self.fields = all_fields(self.model) if fields is None else list(fields)
        self.annotations = {n: e.output_field for n, e in qs.query.annotations.items() if n in self.fields}
        self.order = _order_of(qs)
        for name, _desc in self.order:
            if name in qs.query.annotations:
                if name not in self.fields:
                    self.fields.append(name)
                    self.annotations[name] = qs.query.annotations[name].output_field
                continue
            if name == "pk":
                continue
            field = self.model._meta.get_field(name)
            if field.name not in self.fields:
                self.fields.append(field.name)
        self.expression = rows(qs, self.fields)

    def load(self, value: Any) -> list:
        objs = instances(self.model, value, self.fields, self.annotations)
        objs.sort(key=lambda o: o.pk)
        for name, desc in reversed(self.order):
            attname = name if name == "pk" or name in self.annotations else self.model._meta.get_field(name).attname
            objs.sort(key=lambda o, a=attname: _sortable(getattr(o, a)), reverse=desc)
        return objs


def _sortable(value: Any) -> tuple:
    return (value is not None, value if value is not None else 0)


__all__ = ["RowSet", "all_fields", "convert", "converter", "decode", "grouped_rows", "instances", "rows"]
