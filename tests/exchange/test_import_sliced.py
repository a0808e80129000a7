"""Imports that cannot lock the system (issue 12 §3): on SQLite an import is written in short transactions
(slices), and stays all-or-nothing per file through the undo journal (kam.exchange.journal); writers start
with BEGIN IMMEDIATE and wait on a busy timeout. On PostgreSQL the import is one transaction: the atomicity
tests run there too."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from kam.audit.models import AuditEvent
from kam.customers.models import Customer
from kam.exchange import journal, pipeline, services
from kam.exchange.models import ImportRun, ImportUndo, ImportWrite
from kam.exchange.registry import _KINDS, ImportKind, get_kind
from kam.orders.imports import OrderHandler
from kam.orders.models import Order, OrderLine
from tests.exchange.helpers import csv_upload, run

pytestmark = pytest.mark.django_db

ORDERS = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]
sqlite_only = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="the write journal is SQLite's")


def _line(customer, number="SO-1", qty=1, price="100", series="沙发"):
    return [number, customer.credit_code, "2026-03-01", "已交付", series, "SF-320", qty, price, ""]


class FailingOrders(OrderHandler):
    """The orders handler, whose write of the order numbered SO-BAD fails like a row the database refuses
    (or, `report=True`, reports an error found while writing). Counts the slices it was given."""

    def __init__(self, report: bool = False) -> None:
        self.report = report
        self.slices: list[int] = []

    def apply(self, rows, ctx):
        self.slices.append(len(rows))
        super().apply(rows, ctx)
        bad = [r for r in rows if r.values["number"] == "SO-BAD"]
        if bad and self.report:
            ctx.error(bad[0], "number", "refused while writing")
        elif bad:
            raise IntegrityError("CHECK constraint failed: the row SO-BAD")


@pytest.fixture
def failing_kind():
    """A kind like "orders" whose last slice fails (registered for the test only)."""
    made = []

    def make(report: bool = False) -> ImportKind:
        orders = get_kind("orders")
        kind = ImportKind(name="orders_failing", label="failing orders", columns=orders.columns, key=orders.key,
                          roles=orders.roles, handler=FailingOrders(report))
        _KINDS[kind.name] = kind
        made.append(kind)
        return kind

    yield make
    _KINDS.pop("orders_failing", None)


def _state():
    """Everything an order import can touch, as plain values."""
    return (sorted(Order.objects.values_list("number", "customer_id", "status", "order_date", "amount", "note")),
            sorted(OrderLine.objects.values_list("id", "order_id", "product_series", "quantity", "unit_price",
                                                 "amount")),
            sorted(Customer.objects.values_list("id", "name", "updated_at")))


@pytest.fixture
def small_slices(monkeypatch, settings):
    """Slices of a few rows, so that a file of a few hundred lines is written in many transactions."""
    settings.IMPORT_WRITE_TRANSACTION_MS = 100
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 40)
    monkeypatch.setattr(pipeline, "FIRST_SLICE_ROWS", 5)
    monkeypatch.setattr(pipeline, "MIN_SLICE_ROWS", 5)


@pytest.mark.parametrize("how", ["raises", "reports"])
def test_issue12_s3_a_failure_in_the_last_slice_leaves_nothing_written(users, customer_factory, failing_kind,
                                                                      small_slices, how):
    """Issue 12 §3, all-or-nothing per file with short transactions: an existing order updated (its lines
    replaced), 300 new orders, and the last row's write fails (the database refuses it, or the handler reports
    an error while writing). Every slice already written is undone: orders, lines and customers are exactly
    as before, no journal is left, and the run ends failed (refused) with nothing imported."""
    c = customer_factory("佛山华美酒店")
    _r, first = run(users.head, "orders", csv_upload("o.csv", [ORDERS, _line(c, "SO-0", 2), _line(c, "SO-0", 3)]))
    assert first.ok and Order.objects.get(number="SO-0").amount == Decimal("500.00")
    before = _state()
    kind = failing_kind(report=how == "reports")
    rows = [ORDERS, _line(c, "SO-0", 7, series="床垫")] + [_line(c, f"SO-{i}") for i in range(1, 301)]
    rows.append(_line(c, "SO-BAD"))
    r, result = run(users.head, kind.name, csv_upload("o.csv", rows))
    assert not result.ok
    if connection.vendor == "sqlite":
        assert len(kind.handler.slices) > 10, kind.handler.slices  # many short transactions
    assert _state() == before
    assert not ImportUndo.objects.exists() and not ImportWrite.objects.exists()
    r.refresh_from_db()
    assert r.status == ("failed" if how == "raises" else "invalid")
    if connection.vendor == "sqlite":
        undone = AuditEvent.objects.get(action="exchange.import.revoked")
        assert undone.changes["rows"] > 300 and undone.changes["kept"] == 0


@sqlite_only
def test_issue12_s3_sliced_write_commits_in_short_transactions_and_purges_its_journal(users, customer_factory,
                                                                                     small_slices):
    """Issue 12 §3: a 400-line file is written in many slices (each its own transaction on SQLite); the run is
    done with the right counts, the journal is gone, and a re-import changes nothing."""
    c = customer_factory("佛山华美酒店")
    phases = []
    rows = [ORDERS] + [_line(c, f"SO-{i // 2}", 1 + i % 3) for i in range(400)]
    path_rows = csv_upload("o.csv", rows)
    r = services.import_upload(actor=users.head, kind_name="orders", uploaded=path_rows)
    with services.local_copy(r) as path:
        result = pipeline.run_import(kind=get_kind("orders"), path=path, actor=users.head, dry_run=False,
                                     progress=lambda n, phase: phases.append((n, phase)), run_id=r.pk)
    assert result.ok and result.counts["created"] == 200
    writing = [n for n, phase in phases if phase == "writing"]
    assert len(writing) > 10 and writing[-1] == 400
    assert Order.objects.count() == 200 and OrderLine.objects.count() == 400
    assert not ImportUndo.objects.exists() and not ImportWrite.objects.exists()
    with services.local_copy(r) as path:
        again = pipeline.run_import(kind=get_kind("orders"), path=path, actor=users.head, dry_run=False)
    assert again.ok and again.counts["unchanged"] == 200 and again.counts.get("created", 0) == 0


@sqlite_only
def test_issue12_s3_dry_run_in_slices_writes_nothing_and_counts_like_the_import(users, customer_factory,
                                                                                small_slices):
    """A check (dry run) on SQLite rolls every slice back: nothing stays, no journal, and its counts are
    those of the real import that follows."""
    c = customer_factory("佛山华美酒店")
    run(users.head, "orders", csv_upload("o.csv", [ORDERS, _line(c, "SO-0")]))
    before = _state()
    rows = [ORDERS, _line(c, "SO-0", 5)] + [_line(c, f"SO-{i}") for i in range(1, 120)]
    r, checked = run(users.head, "orders", csv_upload("o.csv", rows), dry_run=True)
    assert checked.ok and _state() == before and not ImportWrite.objects.exists()
    done = services.import_execute(actor=users.head, run=r, dry_run=False)
    assert done.ok
    assert {k: checked.counts.get(k) for k in ("created", "updated", "unchanged", "rows")} == \
        {k: done.counts.get(k) for k in ("created", "updated", "unchanged", "rows")} == \
        {"created": 119, "updated": 1, "unchanged": None, "rows": 120}


@sqlite_only
def test_issue12_s3_the_sweep_undoes_the_write_of_a_killed_worker(users, customer_factory):
    """A worker killed mid-write leaves committed slices and their journal (WRITING, no heartbeat); the sweep
    reverts every insert, update and delete — the rows are exactly as before — and fails the run."""
    c = customer_factory("佛山华美酒店")
    _r, first = run(users.head, "orders", csv_upload("o.csv", [ORDERS, _line(c, "SO-0", 2), _line(c, "SO-0", 3)]))
    before = _state()
    r = services.import_upload(actor=users.head, kind_name="orders",
                               uploaded=csv_upload("o.csv", [ORDERS, _line(c, "SO-9")]))
    ImportRun.objects.filter(pk=r.pk).update(status="running", heartbeat_at=timezone.now())
    j = journal.begin(kind="orders", run_id=r.pk)
    with transaction.atomic():  # a slice: an update, a delete, inserts (as OrderHandler writes them)
        order = Order.objects.get(number="SO-0")
        OrderLine.objects.filter(order=order).delete()
        OrderLine.objects.create(order=order, product_series="床垫", product_model="M", quantity=9,
                                 unit_price=Decimal("1.00"), amount=Decimal("9.00"))
        Order.objects.filter(pk=order.pk).update(amount=Decimal("9.00"), note="改'了\"")
        new = Order.objects.create(number="SO-9", customer=c, order_date=dt.date(2026, 3, 1), amount=Decimal(1))
        OrderLine.objects.create(order=new, product_series="沙发", product_model="SF", quantity=1,
                                 unit_price=Decimal(1), amount=Decimal(1))
        Customer.objects.filter(pk=c.pk).update(name="改名")
        journal.beat(j)
    journal.uninstall(j)  # the process dies: its connection, and the TEMP triggers with it, are gone
    assert ImportUndo.objects.filter(write_id=j.write.pk).count() == 7  # D D I U I I U
    assert _state() != before
    assert services.imports_fail_stale()["failed"] == 0  # still alive for the sweep: nothing undone yet
    assert _state() != before
    later = timezone.now() + dt.timedelta(minutes=settings.IMPORT_STALE_MINUTES + 1)
    outcome = services.imports_fail_stale(now=later)
    assert outcome["writes_undone"] == 1 and outcome["failed"] == 1
    assert _state() == before
    assert not ImportUndo.objects.exists() and not ImportWrite.objects.exists()
    r.refresh_from_db()
    assert r.status == "failed"
    assert AuditEvent.objects.filter(action="exchange.import.revoked", target_id=str(r.pk)).exists()


@sqlite_only
def test_issue12_s3_the_journal_records_only_the_importing_connection(users, customer_factory):
    """The triggers are TEMP: changes made through other connections (the web processes) are never journaled,
    so an undo never reverts someone else's work; they are gone once the write ends."""
    c = customer_factory("佛山华美酒店")
    j = journal.begin(kind="orders", run_id=None)
    try:
        Customer.objects.filter(pk=c.pk).update(name="甲")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_temp_master WHERE type = 'trigger'")
            assert cursor.fetchone()[0] == 3 * len(journal.journaled_tables())
    finally:
        journal.uninstall(j)
    Customer.objects.filter(pk=c.pk).update(name="乙")  # after the write: not journaled
    assert list(ImportUndo.objects.values_list("table", "op")) == [(Customer._meta.db_table, "U")]
    assert "exchange_importundo" not in journal.journaled_tables()
    assert not any(t.startswith("audit_") for t in journal.journaled_tables())
    journal.undo(j.write.pk)


def test_issue12_s3_orders_reimport_keeps_in_lists_under_sqlites_variable_limit(users, customer_factory):
    """1,200 existing orders re-imported with new lines (existing orders, their old lines and the lines to
    replace are all looked up by IN lists): every list stays under a 999-variable limit (the 372,623-row file
    hit "too many SQL variables"); the undo journal's statements too."""
    c = customer_factory("佛山华美酒店")
    rows = [ORDERS] + [_line(c, f"SO-{i}") for i in range(1200)]
    _r, first = run(users.head, "orders", csv_upload("o.csv", rows))
    assert first.ok
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        old = connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
    try:
        rows = [ORDERS] + [_line(c, f"SO-{i}", 2) for i in range(1200)]
        _r, again = run(users.head, "orders", csv_upload("o.csv", rows))
        assert again.ok and again.counts["updated"] == 1200, [str(e) for e in again.errors[:3]]
    finally:
        if connection.vendor == "sqlite":
            connection.connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, old)
    assert set(OrderLine.objects.values_list("quantity", flat=True)) == {Decimal(2)}


@sqlite_only
def test_issue12_s3_sqlite_writers_begin_immediate_and_wait_on_a_busy_timeout():
    """Every writer's transaction starts with BEGIN IMMEDIATE (no deadlock between two readers upgrading to
    writers: SQLite would fail one at once with "database is locked"), and waits for the lock up to the busy
    timeout — far longer than an import's slice holds it."""
    db = settings.DATABASES["default"]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 10_000 > 50 * settings.IMPORT_WRITE_TRANSACTION_MS
