"""A large synthetic dataset for benchmarks (`kam generate --customers N [--lines-per-customer 100]`).

Volume, not realism: N customers with unique credit codes, ceil(N / 15) generated account managers
(every manager holds at most 15 accounts), N × lines-per-customer order lines in orders of about ten
lines over three years (2023-12-01 … 2026-11-25), an invoice for every delivered order and payments
(with allocations) for most of them.

Fast: rows are written with bulk_create in chunks of customers, one transaction per chunk, without
the services and their per-row audit events; one audit event `demo.generated` records the counts.
Memory stays flat: a chunk is built, written and dropped before the next one.

Running it again on the same database adds another, independent batch: every run gets the next run
number, which is part of every generated key — credit codes `91449<run:3><seq:9>` + check character,
order/invoice/payment numbers `GO/GI/GP<run>-<seq>` and manager user names `gen_am0001` (run 1) or
`gen<run>_am0001` (later runs) — so nothing collides with an earlier run or with the demo data.
"""

from __future__ import annotations

import functools
import math
import random
import re
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from kam.audit.services import audit_log
from kam.core import context
from kam.core.pinyin import name_keys
from kam.customers.models import AccountAssignment, Customer, CustomerType
from kam.customers.validators import make_credit_code
from kam.demo.data import (
    AS_OF,
    CATALOG,
    CITIES,
    DEMO_PASSWORD,
    GIVEN,
    ORDERS_FROM,
    ORDERS_TO,
    SERIES_BY_TYPE,
    SURNAMES,
)
from kam.orders.models import Order, OrderLine, OrderStatus
from kam.receivables.models import Invoice, Payment, PaymentAllocation
from kam.users.models import Department, Role, RoleGrant, User

CODE_PREFIX = "91449"  # "449" is no real region code: generated codes never collide with the demo's
MAX_PER_MANAGER = 15
LINES_PER_ORDER = 10
BATCH = 5000
CHUNK_LINES = 50_000  # order lines per transaction (sets the chunk of customers)

TYPES = (CustomerType.REAL_ESTATE, CustomerType.HOTEL, CustomerType.DEALER, CustomerType.INSTITUTION,
         CustomerType.OTHER)
TYPE_WEIGHTS = (30, 25, 25, 15, 5)
TYPE_WORD = {CustomerType.REAL_ESTATE: ("置业", "地产", "房地产开发"), CustomerType.HOTEL: ("酒店管理", "酒店", "度假村"),
             CustomerType.DEALER: ("家具贸易", "家居", "家具商贸"), CustomerType.INSTITUTION: ("科技", "教育投资", "实业"),
             CustomerType.OTHER: ("装饰工程", "设计", "展览服务")}
BRAND = "华锦恒誉瑞丰金澜碧澄鹏程星辰云谷博远匠心巧筑美居雅筑尚品鼎盛湘居蓉居嘉禾宏晟德润远航盛世天悦和泰隆兴"
CITY_LIST = tuple(CITIES)
CITY_WEIGHTS = tuple(25 if c == "佛山" else 8 for c in CITY_LIST)
_RUN_USER = re.compile(r"^gen(\d*)_am\d+$")


def _next_run() -> int:
    last = (Customer.objects.filter(credit_code__startswith=CODE_PREFIX).order_by("-credit_code")
            .values_list("credit_code", flat=True).first())
    run = int(last[5:8]) if last else 0
    for username in User.objects.filter(username__startswith="gen").values_list("username", flat=True):
        m = _RUN_USER.match(username)
        if m:
            run = max(run, int(m.group(1) or 1))
    return run + 1


@functools.lru_cache(maxsize=65536)
def _keys(name: str) -> tuple[str, str]:
    """A generated name's search keys (names repeat: brand × kind × city)."""
    return name_keys(name)


def _dec(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def generate(*, customers: int, lines_per_customer: int = 100, seed: int = 7,
             stdout: TextIO | None = None) -> dict[str, int]:
    """Write the synthetic dataset; returns the counts (also recorded in the `demo.generated` event)."""
    if customers < 1 or lines_per_customer < 1:
        raise ValueError("customers and lines_per_customer must be at least 1")
    out = stdout if stdout is not None else sys.stdout
    started = time.monotonic()
    # In DEBUG the debug cursor renders every statement with its parameters (on SQLite with an extra
    # SELECT QUOTE(?) per parameter): it would double the work of the bulk inserts.
    debug = settings.DEBUG
    settings.DEBUG = False
    token = context.set_current(context.RequestContext(channel="cli"))
    try:
        run = _next_run()
        gen = _Generator(run=run, seed=seed, lines_per_customer=lines_per_customer)
        n_managers = math.ceil(customers / MAX_PER_MANAGER)
        with transaction.atomic():
            managers = gen.managers(n_managers)
        out.write(f"run {run}: {customers} customers, {customers * lines_per_customer} order lines, "
                  f"{n_managers} account managers ({managers[0].username} …)\n")
        chunk = max(1, min(2000, CHUNK_LINES // lines_per_customer))
        next_report = 1
        for start in range(0, customers, chunk):
            end = min(customers, start + chunk)
            with transaction.atomic():
                gen.chunk(start, end, managers)
            if end * 10 >= next_report * customers or end == customers:
                next_report = end * 10 // customers + 1
                out.write(f"  {end * 100 // customers:3d}%  {end} customers, {gen.counts['order_lines']} lines, "
                          f"{gen.counts['invoices']} invoices, {gen.counts['payments']} payments "
                          f"({time.monotonic() - started:.0f} s)\n")
                if hasattr(out, "flush"):
                    out.flush()
        counts = {"run": run, "seed": seed, "managers": n_managers, **gen.counts}
        audit_log(actor=None, action="demo.generated",
                  changes={**counts, "seconds": round(time.monotonic() - started, 1)})
    finally:
        context.reset(token)
        settings.DEBUG = debug
    out.write(f"generated in {time.monotonic() - started:.1f} s: "
              + ", ".join(f"{v} {k}" for k, v in counts.items() if k not in ("run", "seed")) + "\n")
    return counts


class _Generator:
    def __init__(self, *, run: int, seed: int, lines_per_customer: int) -> None:
        self.run = run
        self.rng = random.Random(seed * 1000 + run)
        self.lines_per_customer = lines_per_customer
        self.counts = dict.fromkeys(("customers", "assignments", "orders", "order_lines", "invoices", "payments",
                                     "allocations"), 0)
        self.user_prefix = "gen" if run == 1 else f"gen{run}"
        self.seq = {"order": 0, "invoice": 0, "payment": 0}
        self.window = (ORDERS_TO - ORDERS_FROM).days
        # reusable Decimal values: unit prices (in cents) per series and small quantities
        self.prices = {series: [round(list_price * f / 10) * 1000 for f in (0.9, 0.95, 1.0, 1.05, 1.1)]
                       for series, (_model, list_price) in CATALOG.items()}
        self.price_dec = {c: _dec(c) for ps in self.prices.values() for c in ps}
        self.qty_dec = [Decimal(q) for q in range(0, 21)]
        self.models = {series: model for series, (model, _p) in CATALOG.items()}

    def managers(self, n: int) -> list[User]:
        rng = self.rng
        password = make_password(DEMO_PASSWORD)  # hashed once, shared: hashing per user would take minutes
        users = [User(username=f"{self.user_prefix}_am{i:04d}", password=password, department=Department.SALES,
                      display_name=rng.choice(SURNAMES)[0] + rng.choice(GIVEN)[0], is_active=True)
                 for i in range(1, n + 1)]
        User.objects.bulk_create(users, batch_size=1000)
        RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.ACCOUNT_MANAGER) for u in users],
                                      batch_size=BATCH)
        return users

    def chunk(self, start: int, end: int, managers: list[User]) -> None:
        rng, run = self.rng, self.run
        custs: list[Customer] = []
        for i in range(start, end):
            ctype = rng.choices(TYPES, TYPE_WEIGHTS)[0]
            city = rng.choices(CITY_LIST, CITY_WEIGHTS)[0]
            province = CITIES[city][0]
            brand = rng.choice(BRAND) + rng.choice(BRAND)
            customer = Customer(
                name=f"{brand}{rng.choice(TYPE_WORD[ctype])}（{city}）有限公司",
                credit_code=make_credit_code(f"{CODE_PREFIX}{run:03d}{i + 1:09d}"),
                customer_type=ctype, province=province, city=city,
                founded_on=ORDERS_FROM - timedelta(days=rng.randint(900, 9000)),
                account_manager_id=managers[i // MAX_PER_MANAGER].pk)
            customer.search_pinyin, customer.search_initials = _keys(customer.name)
            custs.append(customer)
        Customer.objects.bulk_create(custs, batch_size=1000)
        if custs[0].pk is None:
            raise RuntimeError("this database backend does not return primary keys from bulk inserts")
        assignments = [AccountAssignment(customer_id=c.pk, manager_id=c.account_manager_id,
                                         started_on=date(2021, 1, 1) + timedelta(days=rng.randint(0, 1000)),
                                         reason="generated") for c in custs]
        AccountAssignment.objects.bulk_create(assignments, batch_size=BATCH)

        # orders, with their lines kept aside until the orders have primary keys
        orders: list[Order] = []
        order_lines: list[list[tuple[str, int, int]]] = []
        terms: list[int] = []
        lpc = self.lines_per_customer
        n_orders = math.ceil(lpc / LINES_PER_ORDER)
        base, extra = divmod(lpc, n_orders)
        for c in custs:
            pool = SERIES_BY_TYPE[c.customer_type]
            customer_terms = rng.choice((30, 60, 60, 90))
            for k in range(n_orders):
                n_lines = base + (1 if k < extra else 0)
                day = ORDERS_FROM + timedelta(days=rng.randrange(self.window + 1))
                promised = day + timedelta(days=rng.choice((35, 45, 60)))
                actual = day + timedelta(days=rng.randint(20, 70))
                if rng.random() < 0.02:
                    status, actual = OrderStatus.CANCELLED, None
                elif actual >= AS_OF:
                    status, actual = OrderStatus.OPEN, None
                else:
                    status = OrderStatus.DELIVERED
                lines = []
                total = 0
                for _ in range(n_lines):
                    series = rng.choice(pool)
                    price = rng.choice(self.prices[series])
                    qty = rng.randint(1, 20)
                    lines.append((series, price, qty))
                    total += price * qty
                self.seq["order"] += 1
                orders.append(Order(customer_id=c.pk, number=f"GO{run:03d}-{self.seq['order']:09d}", status=status,
                                    order_date=day, promised_delivery_date=promised, actual_delivery_date=actual,
                                    amount=_dec(total)))
                order_lines.append(lines)
                terms.append(customer_terms)
        Order.objects.bulk_create(orders, batch_size=BATCH)

        line_rows = [OrderLine(order_id=o.pk, product_series=series, product_model=self.models[series],
                               quantity=self.qty_dec[qty], unit_price=self.price_dec[price],
                               amount=_dec(price * qty))
                     for o, lines in zip(orders, order_lines, strict=True) for series, price, qty in lines]
        OrderLine.objects.bulk_create(line_rows, batch_size=BATCH)
        n_lines = len(line_rows)
        del line_rows, order_lines

        invoices: list[Invoice] = []
        for o, days in zip(orders, terms, strict=True):
            if o.status != OrderStatus.DELIVERED:
                continue
            issue = o.actual_delivery_date + timedelta(days=rng.randint(0, 7))
            if issue > AS_OF:
                continue
            self.seq["invoice"] += 1
            invoices.append(Invoice(customer_id=o.customer_id, order_id=o.pk,
                                    number=f"GI{run:03d}-{self.seq['invoice']:09d}", issue_date=issue,
                                    due_date=issue + timedelta(days=days), amount=o.amount))
        Invoice.objects.bulk_create(invoices, batch_size=BATCH)

        payments: list[Payment] = []
        paid: list[Invoice] = []
        for inv in invoices:
            roll = rng.random()
            if roll < 0.08:
                continue  # never paid
            if roll < 0.75:
                on = inv.due_date - timedelta(days=rng.randint(0, 20))
            else:
                on = inv.due_date + timedelta(days=rng.randint(1, 90))
            on = max(on, inv.issue_date)
            if on > AS_OF:
                continue
            self.seq["payment"] += 1
            payments.append(Payment(customer_id=inv.customer_id, reference=f"GP{run:03d}-{self.seq['payment']:09d}",
                                    paid_on=on, amount=inv.amount))
            paid.append(inv)
        Payment.objects.bulk_create(payments, batch_size=BATCH)
        PaymentAllocation.objects.bulk_create(
            [PaymentAllocation(payment_id=p.pk, invoice_id=inv.pk, amount=inv.amount)
             for p, inv in zip(payments, paid, strict=True)], batch_size=BATCH)

        counts = self.counts
        counts["customers"] += len(custs)
        counts["assignments"] += len(assignments)
        counts["orders"] += len(orders)
        counts["order_lines"] += n_lines
        counts["invoices"] += len(invoices)
        counts["payments"] += len(payments)
        counts["allocations"] += len(payments)
