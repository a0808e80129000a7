"""Import kinds as declarations: columns, business key, who may import, and the handler that writes.

A new kind is a small declaration in its app's `imports.py`:

    register(ImportKind(name="invoices", label=_("发票"), columns=[...], key=("number",),
                        roles=(Role.HEAD_OF_SALES, Role.FINANCE), handler=ModelHandler(Invoice, ...)))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise

if TYPE_CHECKING:
    from kam.exchange.pipeline import ImportContext, Row


@dataclass(frozen=True)
class Column:
    """One column of a kind's file. Every typed column is bounded by kam.core.bounds (issue 12 §1):

    date, datetime  2000-01-01 … ten years after today (`historic=True`: from 1900-01-01, e.g. a founding day)
    money           yuan, 2 places, fitting `max_digits` (default 16, the money columns' size), not negative
                    unless `signed=True`
    decimal         `decimal_places` places fitting `max_digits` (default 16), within min_value … max_value
    int             within min_value … max_value (default: a 32-bit integer column)
    """

    field: str
    header: str | Promise  # the template's Chinese header
    header_en: str
    type: str = "text"  # text | date | datetime | money | decimal | int | bool | choice
    required: bool = False
    choices: tuple[tuple[str, Any], ...] = ()  # (label or code as written in files, stored value)
    aliases: tuple[str, ...] = ()  # headers of the usual 用友/金蝶 exports
    note: str | Promise = ""
    example: str = ""
    max_length: int | None = None
    historic: bool = False  # date: may lie before 2000 (from 1900-01-01)
    max_digits: int | None = None  # money / decimal: the model column's max_digits
    decimal_places: int = 2  # decimal
    signed: bool = False  # money: negative amounts mean something here
    min_value: Decimal | int | None = None  # decimal / int
    max_value: Decimal | int | None = None  # decimal / int


class Handler:
    """Checks parsed rows in chunks (read phase), then writes them (write phase): in one transaction on
    PostgreSQL; on SQLite `apply` is called once per short transaction (a slice of rows, an order's lines never
    split) whose changes are journaled and undone if the file fails later (kam.exchange.journal) — so `apply`
    writes through the database only (no files, no messages sent) and may be rolled back after returning.

    Every check runs on every row (issue 13: a file's errors are reported in one pass): `prepare` gets the rows
    with cell errors too — `row.failed` names their bad fields — and runs each check whose fields are sound
    (`row.ok(...)`, `row.sound(...)`), reporting with `ctx.error(row, field, message)`, which marks the field
    failed for the checks after it. Nothing is written while any error stands.
    """

    #: rows with the same value of this field stay in one chunk (e.g. the lines of one order)
    group_field: str | None = None

    def prepare(self, rows: list[Row], ctx: ImportContext) -> list[Row]:
        """Resolve references, check rules and duplicates on every row; report errors on ctx; return the rows
        to write (only used when the whole file has no error)."""
        return rows

    def check_end(self, ctx: ImportContext) -> None:
        """After the last chunk of the read phase: checks across the whole file (e.g. a reference to a row
        further down)."""

    def apply(self, rows: list[Row], ctx: ImportContext) -> None:
        raise NotImplementedError

    def finish(self, ctx: ImportContext) -> None:
        """After the last chunk (deferred links)."""


@dataclass
class ImportKind:
    name: str
    label: str | Promise
    columns: list[Column]
    key: tuple[str, ...]
    roles: tuple[str, ...]
    handler: Handler
    description: str | Promise = ""
    #: A7.1: the column fields that may carry core data now (e.g. decision makers' phone numbers); an error
    #: file holding such a column is recorded in the core-data access log when it is downloaded (A7.2)
    core_columns: Callable[[], Iterable[str]] | None = None
    columns_by_field: dict[str, Column] = field(init=False)

    def __post_init__(self) -> None:
        self.columns_by_field = {c.field: c for c in self.columns}

    def allowed(self, user) -> bool:
        return bool(user and user.is_authenticated and user.has_role(*self.roles))


_KINDS: dict[str, ImportKind] = {}


def register(kind: ImportKind) -> ImportKind:
    _KINDS[kind.name] = kind
    return kind


def get_kind(name: str) -> ImportKind:
    from kam.core.errors import ApplicationError

    try:
        return _KINDS[name]
    except KeyError:
        raise ApplicationError(f"未知的导入类型：{name}（可用：{', '.join(sorted(_KINDS))}）", field="kind") from None


def all_kinds() -> list[ImportKind]:
    return list(_KINDS.values())


def kinds_for(user) -> list[ImportKind]:
    return [k for k in _KINDS.values() if k.allowed(user)]
