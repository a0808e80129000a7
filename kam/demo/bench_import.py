"""`kam bench import`: order lines per second through the real import (CSV and .xlsx), and peak memory.

Builds customers once, writes a synthetic ERP file of N order lines (10 lines per order), imports it
with the engine (validation + write in one transaction), and prints rows/s; run twice to also time the
idempotent re-import (every order unchanged).
"""

from __future__ import annotations

import csv
import resource
import tempfile
import time
from pathlib import Path

from django.db import transaction

from kam.customers.models import Customer
from kam.customers.validators import make_credit_code

HEADER = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]
SERIES = [("酒店床组", "HB-1800"), ("酒店衣柜", "HW-1200"), ("办公桌", "OD-1600"), ("会议桌", "MT-3600"),
          ("沙发", "SF-320"), ("餐椅", "DC-45")]


def ensure_customers(n: int) -> list[str]:
    codes = [make_credit_code(f"91999999{i:09d}") for i in range(n)]
    existing = set(Customer.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
    with transaction.atomic():
        Customer.objects.bulk_create([Customer(name=f"基准客户{i}", credit_code=c, customer_type="other", city="佛山")
                                      for i, c in enumerate(codes) if c not in existing], batch_size=2000)
    return codes


def write_file(path: Path, rows: int, codes: list[str], prefix: str, fmt: str) -> None:
    def lines():
        yield HEADER
        for i in range(rows):
            order = i // 10
            series, model = SERIES[i % len(SERIES)]
            qty = 1 + i % 7
            price = 1000 + (i % 50) * 10
            yield [f"{prefix}-{order:07d}", codes[order % len(codes)], f"2026/{1 + order % 12}/{1 + order % 28}",
                   "已交付", series, model, qty, f"{price:,}.00", f"¥{qty * price:,}.00"]

    if fmt == "csv":
        with open(path, "w", newline="", encoding="gb18030") as fh:
            csv.writer(fh).writerows(lines())
    else:
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet()
        for row in lines():
            ws.append(row)
        wb.save(path)


def run(*, rows: int = 200_000, fmt: str = "csv", stdout) -> dict:
    from kam.exchange.engine import run_import
    from kam.exchange.registry import get_kind
    from kam.users.models import User

    actor = User.objects.filter(username="head").first()
    codes = ensure_customers(2000)
    prefix = f"B{int(time.time())}"
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"orders.{fmt}"
        t0 = time.perf_counter()
        write_file(path, rows, codes, prefix, fmt)
        stdout.write(f"wrote {rows:,} order lines as {fmt} ({path.stat().st_size / 1e6:.1f} MB) "
                     f"in {time.perf_counter() - t0:.1f} s\n")
        for label in ("first import", "re-import (unchanged)"):
            t0 = time.perf_counter()
            result = run_import(kind=get_kind("orders"), path=path, actor=actor, dry_run=False, file_label="bench")
            elapsed = time.perf_counter() - t0
            assert result.ok, [str(e) for e in result.errors[:5]]
            rate = rows / elapsed
            results[label] = rate
            stdout.write(f"{label}: {rows:,} lines in {elapsed:.1f} s = {rate:,.0f} lines/s  counts={result.counts}\n")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    stdout.write(f"peak RSS of this process: {peak_mb:.0f} MB\n")
    results["peak_rss_mb"] = peak_mb
    return results
