"""Subprocess side of the import kill test (tests/exchange/test_import_kill.py, issue 12 §3).

Run with DJANGO_SETTINGS_MODULE=kam.settings and DATABASE_URL pointing at a throwaway database:

    python -m tests.exchange.crash_import setup --lines 2000     # a user, customers, an uploaded file
    python -m tests.exchange.crash_import import --run 1 --delay 0.05
    python -m tests.exchange.crash_import state --run 1
    python -m tests.exchange.crash_import sweep --minutes 31

`import` writes in small slices and prints "slice <n>" as each slice's write begins, sleeping `delay`
seconds inside it (test-only monkeypatch in this process), so that the parent can SIGKILL it mid-write.
Every command prints one JSON line prefixed "result ".
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time


def _emit(payload: object) -> None:
    sys.stdout.write(f"result {json.dumps(payload)}\n")
    sys.stdout.flush()


def setup(lines: int) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction

    from kam.customers.models import Customer
    from kam.customers.validators import make_credit_code
    from kam.exchange import services
    from kam.users.models import Role, RoleGrant, User

    with transaction.atomic():
        head = User.objects.create_user(username="head", password="pw-kam-2026", display_name="head")
        RoleGrant.objects.create(user=head, role=Role.HEAD_OF_SALES)
        codes = [make_credit_code(f"91440600{n:09d}") for n in range(1, 21)]
        Customer.objects.bulk_create([Customer(name=f"导入崩溃客户{i}", credit_code=code, customer_type="other")
                                      for i, code in enumerate(codes)])
    rows = [["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]]
    rows += [[f"KILL-{i // 2:05d}", codes[(i // 2) % len(codes)], "2026-03-01", "已交付", "沙发", "SF-320", 1 + i % 3,
              "100", ""] for i in range(lines)]
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    run = services.import_upload(actor=head, kind_name="orders",
                                 uploaded=SimpleUploadedFile("kill.csv", buf.getvalue().encode()))
    return {"run": run.pk}


def do_import(run_id: int, delay: float) -> dict:
    from kam.exchange import pipeline, services
    from kam.exchange.models import ImportRun
    from kam.orders.imports import OrderHandler
    from kam.users.models import User

    pipeline._next_slice = lambda rows, elapsed, target: 50  # test-only: many small slices
    pipeline.FIRST_SLICE_ROWS = 50
    apply = OrderHandler.apply
    count = {"n": 0}

    def slow_apply(self, rows, ctx):
        count["n"] += 1
        sys.stdout.write(f"slice {count['n']}\n")
        sys.stdout.flush()
        apply(self, rows, ctx)
        time.sleep(delay)

    OrderHandler.apply = slow_apply  # type: ignore[method-assign]
    run = ImportRun.objects.get(pk=run_id)
    result = services.import_execute(actor=User.objects.get(username="head"), run=run, dry_run=False)
    return {"ok": result.ok, "counts": result.counts, "errors": [str(e) for e in result.errors[:3]]}


def state(run_id: int) -> dict:
    from kam.exchange.models import ImportRun, ImportUndo, ImportWrite
    from kam.orders.models import Order, OrderLine

    return {"orders": Order.objects.filter(number__startswith="KILL-").count(),
            "lines": OrderLine.objects.filter(order__number__startswith="KILL-").count(),
            "undo": ImportUndo.objects.count(), "writes": list(ImportWrite.objects.values_list("state", flat=True)),
            "run": ImportRun.objects.get(pk=run_id).status}


def sweep(minutes: int) -> dict:
    from django.utils import timezone

    from kam.exchange.services import imports_fail_stale

    return imports_fail_stale(now=timezone.now() + dt.timedelta(minutes=minutes))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["setup", "import", "state", "sweep"])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--run", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--minutes", type=int, default=31)
    args = parser.parse_args()
    import django

    django.setup()
    if args.command == "setup":
        _emit(setup(args.lines))
    elif args.command == "import":
        _emit(do_import(args.run, args.delay))
    elif args.command == "state":
        _emit(state(args.run))
    else:
        _emit(sweep(args.minutes))


if __name__ == "__main__":
    main()
