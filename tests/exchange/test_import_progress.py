"""Issue 13, imports: a progress bar for long (background) runs — the run records the rows read as it goes
(one UPDATE per few seconds at most, called every chunk), the run page polls with htmx and shows a <progress>
with the figure; the finished state replaces it. The run page runs a bounded number of queries."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kam.exchange import pipeline, services
from kam.exchange.models import ImportRun
from tests.exchange.helpers import csv_upload

pytestmark = pytest.mark.django_db

ORDERS = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]


@pytest.fixture
def customer(customer_factory):
    return customer_factory("佛山华美酒店")


def _rows(customer, n, bad=()):
    rows = [ORDERS]
    for i in range(1, n + 1):
        rows.append([f"SO-{i}", "无此客户" if i in bad else customer.credit_code, "2026-03-01", "已交付", "沙发",
                     "SF-320", 1, 100, ""])
    return rows


def _progress_updates(queries) -> list[int]:
    found = []
    for q in queries:
        sql = q["sql"]
        if sql.startswith("UPDATE") and "exchange_importrun" in sql and "processed_rows" in sql:
            m = re.search(r'"processed_rows" = (\d+)', sql)
            if m:
                found.append(int(m.group(1)))
    return found


def test_the_run_records_rows_read_as_it_goes(users, customer, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 4)
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 0)
    run = services.import_upload(actor=users.head, kind_name="orders", uploaded=csv_upload("o.csv", _rows(customer, 13)))
    assert run.total_rows == 14  # the file's lines, counted cheaply at upload
    with CaptureQueriesContext(connection) as ctx:
        services.import_execute(actor=users.head, run=run, dry_run=True)
    # reset at the start, every chunk read (PROGRESS_SECONDS = 0 here), then the outcome saved with the count
    assert _progress_updates(ctx.captured_queries) == [0, 4, 8, 12, 13, 13]
    run.refresh_from_db()
    assert run.status == "valid" and run.processed_rows == 13


def test_progress_writes_are_throttled(users, customer, monkeypatch):
    """Cheap: however many chunks, at most one UPDATE of the run per PROGRESS_SECONDS."""
    monkeypatch.setattr(pipeline, "CHUNK_ROWS", 2)
    monkeypatch.setattr(services, "PROGRESS_SECONDS", 3600)
    run = services.import_upload(actor=users.head, kind_name="orders", uploaded=csv_upload("o.csv", _rows(customer, 20)))
    with CaptureQueriesContext(connection) as ctx:
        services.import_execute(actor=users.head, run=run, dry_run=True)
    assert _progress_updates(ctx.captured_queries) == [0, 20]  # the reset and the outcome only
    run.refresh_from_db()
    assert run.processed_rows == 20


def test_run_page_polls_and_shows_the_progress_bar_then_the_outcome(users, client, customer,
                                                                    django_assert_max_num_queries):
    run = services.import_upload(actor=users.head, kind_name="orders", uploaded=csv_upload("o.csv", _rows(customer, 3)))
    ImportRun.objects.filter(pk=run.pk).update(status="checking", processed_rows=40, total_rows=160)
    client.force_login(users.head)
    url = f"/exchange/imports/{run.pk}/"
    with django_assert_max_num_queries(8):
        body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in body and f'hx-get="{url}"' in body
    assert '<progress max="160" value="40"' in body and "已处理 40 / 160 行（25%）" in body and "正在校验" in body

    # the write phase (one transaction) reports through the shared cache
    ImportRun.objects.filter(pk=run.pk).update(status="running")
    cache.set(services.progress_key(run.pk), {"n": 120, "phase": "writing"}, 60)
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "正在写入" in body and '<progress max="160" value="120"' in body and "（75%）" in body

    # a count the file declared too low never shows more than 100 %
    cache.delete(services.progress_key(run.pk))
    ImportRun.objects.filter(pk=run.pk).update(status="checking", processed_rows=500)
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert '<progress max="500" value="500"' in body and "（100%）" in body

    # unknown total: an indeterminate bar with the rows read
    ImportRun.objects.filter(pk=run.pk).update(total_rows=None, processed_rows=7)
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<progress aria-label" in body and "已处理 7 行" in body

    # finished: the outcome replaces the bar and the polling stops
    services.import_execute(actor=users.head, run=ImportRun.objects.get(pk=run.pk), dry_run=True)
    body = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "<progress" not in body and "hx-trigger" not in body and "校验通过" in body


def test_run_page_query_count_is_bounded_whatever_the_errors(users, client, customer, django_assert_max_num_queries):
    run = services.import_upload(actor=users.head, kind_name="orders",
                                 uploaded=csv_upload("o.csv", _rows(customer, 1500, bad=set(range(1, 1501)))))
    services.import_execute(actor=users.head, run=run, dry_run=True)
    run.refresh_from_db()
    assert run.error_count == 1500 and len(run.errors) == pipeline.MAX_ERRORS_KEPT
    client.force_login(users.head)
    with django_assert_max_num_queries(12):
        body = client.get(f"/exchange/imports/{run.pk}/").content.decode()
    assert "发现 1500 处错误" in body and 'id="error-file"' in body
