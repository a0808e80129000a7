"""`kam bench review` and `kam bench engine`: set-based work measured against hand-written SQL floors.

Both run against DATABASE_URL as it is (generate the data first: `kam generate --customers 20000` and
`kam generate --key-accounts 2000 --contact-logs 2000000`) and leave it unchanged (work in a rolled-back
transaction). `kam bench engine` also times the sweep's reconcile of every rule (issue 11: ≤ 2× the engine's own
evaluation of the same rules), on an emptied table (every row inserted) and again with nothing changed."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from typing import TextIO, TypeVar

from django.db import connection, transaction
from django.utils import timezone

T = TypeVar("T")


class _Rollback(Exception):
    pass


def _best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def _timed(fn: Callable[[], T]) -> tuple[float, float, T]:
    """Wall time and this process's CPU time (on SQLite the database works in-process: the CPU time is what the
    work costs when other processes share the machine)."""
    w0, c0 = time.perf_counter(), time.process_time()
    value = fn()
    return time.perf_counter() - w0, time.process_time() - c0, value


def _sql(query: str, params: list) -> int:
    with connection.cursor() as cur:
        cur.execute(query, params)
        return len(cur.fetchall())


def run_review(*, stdout: TextIO) -> dict:
    """Draft time of the December review vs the one aggregate query that computes the same purchase totals."""
    from kam.customers.models import Customer
    from kam.qualification import services
    from kam.qualification.facts import review_period
    from kam.users.models import User

    head = User.objects.filter(role_grants__role="head_of_sales", is_active=True).first()
    if head is None:
        raise RuntimeError("no head of sales: run `kam demo` on this database first")
    year = timezone.localdate().year
    start, end = review_period(year=year, review_month=12, period_months=12)
    customers = Customer.objects.count()
    lines_sql = ("SELECT o.customer_id, SUM(l.amount) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
                 "WHERE o.status <> 'cancelled' AND o.order_date BETWEEN %s AND %s GROUP BY o.customer_id")
    orders_sql = ("SELECT customer_id, SUM(amount) FROM orders_order WHERE status <> 'cancelled' "
                  "AND order_date BETWEEN %s AND %s GROUP BY customer_id")
    floor_lines = _best(lambda: _sql(lines_sql, [start, end]))
    floor_orders = _best(lambda: _sql(orders_sql, [start, end]))
    results = {}

    def draft_once() -> None:
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                review = services.review_open(actor=head, year=year + 50)  # a year no real review uses
                results.setdefault("draft", []).append(time.perf_counter() - t0)
                results["candidates"] = review.candidates.count()
                raise _Rollback
        except _Rollback:
            pass

    for _ in range(3):
        draft_once()
    draft = min(results["draft"])
    stdout.write(f"kam bench review — {connection.vendor}, {customers:,} customers, review period {start} – {end}\n")
    stdout.write(f"draft (amounts of all customers, full facts and {results['candidates']:,} candidate rows for those "
                 f"the draft lists, criteria, "
                 f"A5.3 preview): {draft:.2f} s (best of 3; median {statistics.median(results['draft']):.2f} s)\n")
    stdout.write(f"floor — one aggregate over the order lines:        {floor_lines:.2f} s  → draft = "
                 f"{draft / floor_lines:.2f}× (target ≤ 2×)\n")
    stdout.write(f"floor — one aggregate over the orders' totals:     {floor_orders:.2f} s  → draft = "
                 f"{draft / floor_orders:.2f}×\n")
    return {"draft": draft, "floor_lines": floor_lines, "floor_orders": floor_orders}


def run_engine(*, stdout: TextIO) -> dict:
    """Full evaluation of the engagement rules vs hand-written SQL for last contact / visit per account and
    period; and the time to reflect one new contact for one account."""
    from kam.engagement.models import ContactLog
    from kam.engagement.services import contact_log_create
    from kam.obligations import engine
    from kam.obligations.periods import period_of
    from kam.qualification.selectors import key_account_ids

    rules = ["A12.1", "A12.2", "A8.1", "A13.1", "A13.2"]
    now = timezone.now()
    keys = key_account_ids()
    logs = ContactLog.objects.count()
    if not keys:
        raise RuntimeError("no key accounts: run `kam generate --key-accounts 2000 --contact-logs 2000000` first")
    result: dict = {}

    def full() -> None:
        result["n"] = len(engine.evaluate(now=now, rules=rules))

    evaluation = _best(full)
    # the floor: last contact and last visit per account in each period the engine judges, by hand
    local = timezone.localtime(now)
    since = (local.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=1)).replace(day=1)
    windows = []
    for kind in ("week", "fortnight", "month", "quarter"):
        p = period_of(kind, since)
        while p.start <= now:
            windows.append(p)
            p = p.next()
    cols, params = [], []
    for w in windows:
        cols.append("MAX(CASE WHEN at >= %s AND at < %s AND kind IN ('phone','wechat','visit') THEN at END)")
        cols.append("MAX(CASE WHEN at >= %s AND at < %s AND kind = 'visit' THEN at END)")
        params += [w.start, w.end, w.start, w.end]
    floor_sql = (f"SELECT customer_id, {', '.join(cols)} FROM engagement_contactlog WHERE at >= %s AND at < %s "
                 "GROUP BY customer_id")
    floor = _best(lambda: _sql(floor_sql, [*params, min(w.start for w in windows), max(w.end for w in windows)]))
    # one new contact reflected for one account
    from kam.customers.models import Customer
    from kam.obligations.models import State, StoredObligation

    customer = Customer.objects.select_related("account_manager").get(pk=min(keys))
    timings = []
    for _ in range(5):
        try:
            with transaction.atomic():
                t0 = time.perf_counter()
                # the service re-judges the account's stored obligations in its transaction (store.reflect)
                contact_log_create(actor=customer.account_manager, customer=customer, at=timezone.now(),
                                   kind="phone", summary="bench")
                timings.append(time.perf_counter() - t0)
                assert StoredObligation.objects.filter(rule="A12.1", customer=customer, live=True,
                                                       state__in=[State.MET, State.MET_LATE],
                                                       window_start__lte=timezone.now(),
                                                       due_at__gt=timezone.now()).exists()
                raise _Rollback
        except _Rollback:
            pass
    reflect = min(timings)
    sweep = reconcile_timings(now=now)
    stdout.write(f"kam bench engine — {connection.vendor}, {len(keys):,} key accounts, {logs:,} contact logs, "
                 f"rules {', '.join(rules)}\n")
    stdout.write(f"full evaluation: {evaluation:.3f} s for {result['n']:,} obligations (best of 3)\n")
    stdout.write(f"floor (hand-written SQL, last contact/visit per account and period, {len(windows)} periods): "
                 f"{floor:.3f} s → evaluation = {evaluation / floor:.2f}× (target ≤ 2×)\n")
    stdout.write(f"one new contact reflected for one account (the write, with its re-judging of the account's stored "
                 f"obligations by the rules a contact changes): {reflect * 1000:.1f} ms (target < 50 ms; median "
                 f"{statistics.median(timings) * 1000:.1f} ms)\n")
    _report_reconcile(stdout, sweep)
    return {"evaluation": evaluation, "floor": floor, "reflect_ms": reflect * 1000, **sweep}


def reconcile_timings(*, now: dt.datetime, repeat: int = 2) -> dict:
    """The sweep's reconcile of every rule (`store.reconcile_all`, the regular pass) next to the engine's own
    evaluation of the same rules in the same window: first on an emptied table (every row is inserted), then
    again with nothing changed (nothing should be written). Wall and CPU seconds, the best of `repeat` where
    repeated. In a rolled-back transaction."""
    from kam.obligations import engine, store
    from kam.obligations.models import Alert, StoredObligation

    result: dict = {"rules": len(engine.REGISTRY)}
    runs = [_timed(lambda: engine.evaluate(now=now)) for _ in range(repeat)]
    result["evaluate_all"], result["evaluate_cpu"] = min(r[0] for r in runs), min(r[1] for r in runs)
    result["obligations"] = len(runs[-1][2])
    try:
        with transaction.atomic():
            result["stored_before"] = StoredObligation.objects.count()
            with connection.cursor() as cur:
                cur.execute(f"UPDATE {Alert._meta.db_table} SET obligation_id = NULL "  # noqa: S608 - table names
                            "WHERE obligation_id IS NOT NULL")
                cur.execute(f"DELETE FROM {StoredObligation._meta.db_table}")  # noqa: S608
            wall, cpu, first = _timed(lambda: store.reconcile_all(now=now))
            result["reconcile_first"], result["reconcile_first_cpu"] = wall, cpu
            result["first_writes"] = (first.created, first.updated, first.obsolete)
            again_runs = [_timed(lambda: store.reconcile_all(now=now)) for _ in range(repeat)]
            result["reconcile_again"] = min(r[0] for r in again_runs)
            result["reconcile_again_cpu"] = min(r[1] for r in again_runs)
            again = again_runs[-1][2]
            result["again_writes"] = (again.created, again.updated, again.obsolete)
            result["failed"] = {**first.failed, **again.failed}
            raise _Rollback
    except _Rollback:
        pass
    return result


def _report_reconcile(stdout: TextIO, r: dict) -> None:
    evaluation, evaluation_cpu = r["evaluate_all"], r["evaluate_cpu"]
    created, updated, obsolete = r["first_writes"]
    c2, u2, o2 = r["again_writes"]
    stdout.write(f"sweep reconcile (store.reconcile_all, all {r['rules']} rules, default window; "
                 f"{r['stored_before']:,} rows stored before; rolled back afterwards) — wall s (CPU s of this "
                 f"process):\n")
    stdout.write(f"  engine evaluation of the same rules:   {evaluation:.3f} s ({evaluation_cpu:.3f}) for "
                 f"{r['obligations']:,} obligations (best of 2)\n")
    verdict = "within" if r["reconcile_first"] <= 2 * evaluation else "above"
    stdout.write(f"  reconcile, emptied table (first run):  {r['reconcile_first']:.3f} s ({r['reconcile_first_cpu']:.3f})"
                 f" = {r['reconcile_first'] / evaluation:.2f}× the evaluation "
                 f"({r['reconcile_first_cpu'] / evaluation_cpu:.2f}× in CPU; {created:,} inserted, {updated:,} "
                 f"updated, {obsolete:,} void) — {verdict} 2×\n")
    verdict = "meets" if r["reconcile_again"] <= 2 * evaluation else "MISSES"
    stdout.write(f"  reconcile again, nothing changed:      {r['reconcile_again']:.3f} s ({r['reconcile_again_cpu']:.3f})"
                 f" = {r['reconcile_again'] / evaluation:.2f}× the evaluation "
                 f"({r['reconcile_again_cpu'] / evaluation_cpu:.2f}× in CPU; {c2:,} inserted, {u2:,} updated, "
                 f"{o2:,} void; best of 2) — {verdict} the target of ≤ 2×\n")
    for rule, error in r["failed"].items():
        stdout.write(f"  warning: rule {rule} failed: {error}\n")
