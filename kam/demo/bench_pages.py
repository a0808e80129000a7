"""`kam bench pages`: every main page as its role, served by gunicorn on the large dataset (issue 11).

1. The database is DATABASE_URL, or var/bench.sqlite3 when unset (as `kam bench api`, see kam.demo.bench). It is
   migrated and topped up as needed: the demo data first (users am1, head, svc, mkt, fin, mgmt… with the demo
   password; first, because its activity designates the largest accounts of every manager it finds), then
   `generate --customers N` (20,000 in all) and `generate --key-accounts K --contact-logs L` (2,000 / 2,000,000 in
   all). `--skip-generate` uses the database as it is (the demo users must exist).
2. One sweep (`reconcile_all(backfill=True)` + `record_alerts`, recorded as a SweepRun) so that stored
   obligations and alerts exist: with the backfill when data was written since the last complete sweep; the
   regular pass when that sweep is older than an hour; nothing otherwise.
3. The pages are resolved: two dossiers (a key account of the demo data, the same customer on both databases, and
   the key account with the most contact logs), this year's annual review (drafted as head when there is none). The SQL queries of each page are counted in-process (Django's test
   client, logged in, the second request: caches warm), on this database and on the demo data alone
   (var/bench_demo.sqlite3, a throwaway SQLite database loaded by `kam demo`, counted in a child process).
4. gunicorn serves the production settings (whitenoise, DEBUG off, two-factor authentication optional for the
   run) plus the constant-JSON floor (`/__bench/floor`, kam.demo.bench_urls) on 127.0.0.1. Each role logs in
   through the log-in page; each page is fetched by one client `--requests` times (p50, p95) and by
   `--connections` clients for `--duration` seconds (wrk; a threaded Python client without wrk), and compared
   with the floor (measured first and last; the ratio uses their mean).
5. The table of issue 11 and the verdicts against its targets are printed. gunicorn is always stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode

from django.conf import settings

from kam.demo import bench
from kam.demo.bench import FLOOR_PATH, HOST, Result

QUERY_LIMIT = 12  # issue 11: lists and home pages
P95_TARGET_MS = 100.0  # issue 11: one client
RATIO_TARGET = 0.05  # issue 11: eight clients, against the floor
DEMO_DB = "bench_demo.sqlite3"
QUERIES_MARK = "KAM_BENCH_PAGE_QUERIES "
SWEEP_MAX_AGE = dt.timedelta(hours=1)
ONE_CLIENT_MAX_SECONDS = 60.0  # a slow page stops early rather than holding the run for minutes


@dataclass(frozen=True)
class Page:
    label: str
    username: str
    path: str
    limited: bool  # a list or a home page: at most QUERY_LIMIT queries
    same_subject: bool = True  # the demo database shows the same thing (compare the query counts)

    @property
    def key(self) -> str:
        return f"{self.label} ({self.username})"


@dataclass(frozen=True)
class Count:
    status: int
    queries: int
    bytes: int
    ms: float = 0.0  # in-process time of one request (median), template rendering included
    sql_ms: float = 0.0  # of which in SQL (the counted request)
    cpu_ms: float = 0.0  # this process's CPU time of one request (median): SQLite's work included, PostgreSQL's not


@dataclass
class OneClient:
    requests: int
    p50_ms: float
    p95_ms: float
    bytes: int
    errors: int


@dataclass
class Row:
    page: Page
    large: Count | None = None
    demo: Count | None = None
    one: OneClient | None = None
    many: Result | None = None
    error: str = ""


# ---------------------------------------------------------------- set-up


@contextlib.contextmanager
def _cli_context() -> Iterator[None]:
    from kam.core import context

    token = context.set_current(context.RequestContext(channel="cli"))
    try:
        yield
    finally:
        context.reset(token)


def relax_second_factor() -> None:
    """The bench logs in with passwords only: no role requires two-factor authentication in this process and the
    processes it starts (as `kam serve --demo`)."""
    os.environ["KAM_OTP_REQUIRED_ROLES"] = ""
    settings.KAM_OTP_REQUIRED_ROLES = []


def prepare_data(*, customers: int, lines_per_customer: int, key_accounts: int, contact_logs: int,
                 skip_generate: bool, out: TextIO) -> bool:
    """Migrate; load the demo data first (its activity designates the largest accounts of every manager it finds,
    so it must not see the generated ones); then top up customers, key accounts and contact logs to the asked
    totals. True when anything was written (the stored obligations are then out of date)."""
    from django.core.management import call_command

    from kam.customers.models import Customer
    from kam.demo.data import load_demo
    from kam.demo.generate import generate
    from kam.demo.generate_engagement import generate_engagement
    from kam.engagement.models import ContactLog
    from kam.qualification.selectors import key_account_ids
    from kam.users.models import User

    out.write(f"database: {bench._db_label()}\n")
    out.flush()
    call_command("migrate", interactive=False, verbosity=0)
    wrote = False
    if not User.objects.filter(username="head").exists():
        load_demo(stdout=out)
        wrote = True
    if not skip_generate:
        have = Customer.objects.count()
        if have < customers:
            out.write(f"{have:,} customers, {customers:,} asked: generating {customers - have:,}\n")
            out.flush()
            generate(customers=customers - have, lines_per_customer=lines_per_customer, stdout=out)
            wrote = True
        keys, logs = len(key_account_ids()), ContactLog.objects.count()
        if keys < key_accounts:
            out.write(f"{keys:,} key accounts and {logs:,} contact logs, {key_accounts:,} / {contact_logs:,} "
                      f"asked: generating\n")
            out.flush()
            generate_engagement(key_accounts=key_accounts - keys, contact_logs=max(0, contact_logs - logs),
                                stdout=out)
            wrote = True
        elif logs < contact_logs:
            out.write(f"warning: {logs:,} contact logs ({contact_logs:,} asked) but enough key accounts: "
                      f"`generate --contact-logs` only writes logs for new key accounts\n")
    analyze(out=out)
    missing = {"am1", "head", "svc", "mkt", "fin"} - set(
        User.objects.filter(username__in=["am1", "head", "svc", "mkt", "fin"]).values_list("username", flat=True))
    if missing:
        raise RuntimeError(f"the demo users {', '.join(sorted(missing))} are missing: run `kam demo` on this database")
    return wrote


def analyze(*, out: TextIO) -> None:
    """PostgreSQL: refresh the planner's statistics. The generators bulk-load millions of rows; a production server
    analyzes them through autovacuum, but a server with autovacuum off (as some test servers) plans with none, and
    then e.g. the annual review's on-time-payment subquery hashes the whole payment table once per invoice
    (minutes instead of seconds)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    out.write(f"ANALYZE (PostgreSQL planner statistics) in {time.perf_counter() - t0:.1f} s\n")


def _data_written_at() -> dt.datetime | None:
    """When the newest customer or contact log was written (generated data bypasses the services, so the stored
    obligations do not know it)."""
    from kam.customers.models import Customer
    from kam.engagement.models import ContactLog

    stamps = [m.objects.order_by("-id").values_list("created_at", flat=True).first() for m in (Customer, ContactLog)]
    return max((s for s in stamps if s is not None), default=None)


def sweep_once(*, out: TextIO, backfill: bool = False, max_age: dt.timedelta = SWEEP_MAX_AGE) -> dict[str, object]:
    """Stored obligations and alerts for the pages. With the trend's weeks (backfill) when asked, on the first
    sweep of the database, or when data was written after the last complete sweep began; otherwise the regular
    pass, or nothing when the last complete sweep is younger than `max_age`. Recorded as a SweepRun, as
    `kam sweep` records its runs."""
    from django.utils import timezone

    from kam.obligations import store
    from kam.obligations import sweep as sweeper
    from kam.obligations.models import StoredObligation, SweepRun

    now = timezone.now()
    last = SweepRun.objects.filter(finished_at__isnull=False).order_by("-finished_at").first()
    written = _data_written_at()
    if last is None or (written is not None and written >= last.started_at):
        backfill = True
    if not backfill and last is not None and last.finished_at is not None and now - last.finished_at < max_age:
        n = StoredObligation.objects.count()
        out.write(f"stored obligations: {n:,} rows from the sweep of {timezone.localtime(last.finished_at):%H:%M} "
                  f"(less than {max_age} ago, no data written since): reused\n")
        return {"skipped": True, "rows": n}
    out.write(f"sweep: reconciling every rule ({'with the trend backfill' if backfill else 'regular pass'}) …\n")
    out.flush()
    before = StoredObligation.objects.count()
    with _cli_context():
        run = SweepRun.objects.create(started_at=now)
        t0 = time.perf_counter()
        result = store.reconcile_all(now=now, backfill=backfill)
        t1 = time.perf_counter()
        alerts = sweeper.record_alerts(now=now)
        t2 = time.perf_counter()
        SweepRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), evaluated=result.evaluated,
                                                  alerts=len(alerts), failed=result.failed)
    # reconcile_all answers for its last pass (the regular window); the backfill's inserts show in the row count
    out.write(f"sweep: {StoredObligation.objects.count() - before:+,} stored rows ({before:,} before) in {t1 - t0:.1f} s "
              f"(the regular pass: {result.evaluated:,} obligations judged, {result.created:,} inserted, "
              f"{result.updated:,} updated, {result.obsolete:,} void); {len(alerts):,} alerts recorded in "
              f"{t2 - t1:.1f} s\n")
    for rule, error in result.failed.items():
        out.write(f"warning: rule {rule} failed: {error}\n")
    return {"skipped": False, "backfill": backfill, "evaluated": result.evaluated, "created": result.created,
            "alerts": len(alerts), "reconcile_s": t1 - t0, "alerts_s": t2 - t1}


def _busiest(ids: set[int]) -> int | None:
    """Of these customers, the one with the most contact logs (the lowest id among equals)."""
    from django.db.models import Count as Cnt

    from kam.engagement.models import ContactLog

    busiest = (ContactLog.objects.values("customer_id").annotate(n=Cnt("id")).order_by("-n", "customer_id")
               .values_list("customer_id", flat=True))
    for chunk_start in range(0, 20_000, 500):  # bounded: the busiest few hundred customers are enough in practice
        chunk = list(busiest[chunk_start:chunk_start + 500])
        for cid in chunk:
            if cid in ids:
                return cid
        if len(chunk) < 500:
            break
    return min(ids) if ids else None


def dossier_customer_ids() -> tuple[int, int]:
    """Two dossiers of key accounts: one the demo data designated (the same customer on the demo and on the large
    database, so their query counts compare exactly) and the key account with the most contact logs (the heaviest;
    a generated one on the large database). Any customer when there is no key account."""
    from kam.customers.models import Customer
    from kam.qualification.selectors import designations_open_at

    keys = set(designations_open_at().values_list("customer_id", flat=True))
    reviewed = set(designations_open_at().filter(review__isnull=False).values_list("customer_id", flat=True))
    demo = _busiest(reviewed) or _busiest(keys)
    heaviest = _busiest(keys)
    if demo is None or heaviest is None:
        first = Customer.objects.order_by("id").values_list("id", flat=True).first()
        if first is None:
            raise RuntimeError("no customers in the database")
        return demo or first, heaviest or first
    return demo, heaviest


def review_id(*, out: TextIO) -> int:
    """This year's annual review (A5.1); drafted as head when there is none."""
    from django.utils import timezone

    from kam.qualification import services
    from kam.qualification.models import Review, ReviewKind
    from kam.users.models import User

    year = timezone.localdate().year
    review = Review.objects.filter(kind=ReviewKind.ANNUAL, year=year).order_by("id").first()
    if review is None:
        out.write(f"no {year} annual review: drafting one as head …\n")
        out.flush()
        t0 = time.perf_counter()
        with _cli_context():
            review = services.review_open(actor=User.objects.get(username="head"), year=year)
        out.write(f"drafted the {year} review in {time.perf_counter() - t0:.1f} s "
                  f"({review.candidates.count():,} candidates)\n")
    return review.pk


def resolve_pages(*, out: TextIO) -> list[Page]:
    """The pages of issue 11, each with the role that uses it."""
    from django.urls import reverse

    demo, heaviest = dossier_customer_ids()
    review = reverse("qualification:review", args=[review_id(out=out)])
    return [
        Page("my day", "am1", reverse("my_day"), True),
        Page("my day", "head", reverse("my_day"), True),
        Page("customer list", "head", reverse("customers:list"), True),
        Page("customer list", "am1", reverse("customers:list"), True),
        Page("dossier, demo key account", "head", reverse("customers:detail", args=[demo]), False),
        # the busiest key account is a generated one on the large database: the demo's busiest is another customer
        Page("dossier, busiest key account", "head", reverse("customers:detail", args=[heaviest]), False,
             same_subject=False),
        Page("annual review", "head", review, False),
        Page("compliance overview", "head", reverse("compliance"), True),
        Page("after-sales queue", "svc", reverse("queue", args=["after_sales"]), True),
        Page("marketing queue", "mkt", reverse("queue", args=["marketing"]), True),
        Page("finance queue", "fin", reverse("queue", args=["finance"]), True),
        Page("tickets", "svc", reverse("service:tickets"), True),
        Page("requests", "head", reverse("demands:list"), True),
        Page("inbox", "am1", reverse("inbox"), True),
        Page("policy", "head", reverse("policy:in_force"), False),
    ]


# ---------------------------------------------------------------- queries, in-process


class _SqlTimer:
    """An execute wrapper adding up the time spent in the database driver (perf_counter, not the debug log's
    rounded milliseconds)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - t0


def count_queries(pages: list[Page], *, timed: int = 5) -> dict[str, Count]:
    """Status, SQL queries and bytes of each page, in-process with the test client logged in as the page's role:
    the second request is counted (the first warms the caches, as a running server has); then the median time of
    `timed` more requests (no HTTP, no contention between clients: where the time goes)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from kam.users.models import User

    clients: dict[str, Client] = {}
    result = {}
    for page in pages:
        client = clients.get(page.username)
        if client is None:
            client = clients[page.username] = Client(HTTP_HOST=HOST)
            client.force_login(User.objects.get(username=page.username))
        client.get(page.path)
        timed_sql = _SqlTimer()
        with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timed_sql):
            response = client.get(page.path)
        # read now: every request (the timed ones below) empties the connection's query log
        queries = len(ctx.captured_queries)
        sql_ms = timed_sql.seconds * 1000
        times, cpu = [], []
        for _ in range(timed):
            t0, c0 = time.perf_counter(), time.process_time()
            client.get(page.path)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        result[page.key] = Count(response.status_code, queries, len(response.content),
                                 statistics.median(times) if times else 0.0, sql_ms,
                                 statistics.median(cpu) if cpu else 0.0)
    return result


def demo_query_counts(*, out: TextIO, path: Path | None = None) -> dict[str, Count]:
    """The same counts on the demo data alone: a child process on a throwaway SQLite database (`kam demo`)."""
    db = path or Path(settings.VAR_DIR).resolve() / DEMO_DB
    out.write(f"counting queries on the demo data ({db}) …\n")
    out.flush()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", bench.REEXEC_FLAG: "1", "KAM_OTP_REQUIRED_ROLES": ""}
    argv = [sys.executable, "-m", "kam.cli", "bench", "pages", "--queries-only"]
    proc = subprocess.run(argv, cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=1800,
                          check=False)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(QUERIES_MARK)), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"counting on the demo database failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n"
                           f"{proc.stderr[-3000:]}")
    return {key: Count(*value) for key, value in json.loads(line[len(QUERIES_MARK):]).items()}


def run_queries_only(*, stdout: TextIO) -> dict[str, Count]:
    """The child of `demo_query_counts`: the demo data, one sweep, the pages' counts as one JSON line."""
    from django.core.management import call_command

    from kam.demo.data import load_demo

    relax_second_factor()
    call_command("migrate", interactive=False, verbosity=0)
    log = open(os.devnull, "w")  # noqa: SIM115 - closed below
    try:
        load_demo(stdout=log)
        sweep_once(out=log)
        pages = resolve_pages(out=log)
    finally:
        log.close()
    counts = count_queries(pages)
    stdout.write(QUERIES_MARK + json.dumps({k: [c.status, c.queries, c.bytes, c.ms, c.sql_ms, c.cpu_ms]
                                            for k, c in counts.items()}) + "\n")
    return counts


# ---------------------------------------------------------------- HTTP


def _cookie_header(jar: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


def login_http(*, port: int, username: str, password: str) -> str:
    """Log in through the log-in page (CSRF token, password); the Cookie header of the session."""
    jar: SimpleCookie = SimpleCookie()
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        conn.request("GET", "/login/")
        resp = conn.getresponse()
        body = resp.read().decode("utf-8", "replace")
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar.load(header)
        m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if resp.status != 200 or m is None:
            raise RuntimeError(f"GET /login/ answered {resp.status} without a CSRF token")
        form = urlencode({"csrfmiddlewaretoken": m.group(1), "username": username, "password": password})
        conn.request("POST", "/login/", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(jar),
            "Referer": f"http://{HOST}:{port}/login/"})
        resp = conn.getresponse()
        resp.read()
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    finally:
        conn.close()
    if resp.status != 302:
        raise RuntimeError(f"logging in as {username} answered {resp.status} (wrong password, or throttled?)")
    return _cookie_header(jar)


def _percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return 0.0
    return sorted_values[max(0, math.ceil(p * len(sorted_values)) - 1)]


def measure_one_client(*, port: int, path: str, cookie: str, requests: int, warmup: int = 3,
                       max_seconds: float = ONE_CLIENT_MAX_SECONDS) -> OneClient:
    """One client, one request at a time: p50 and p95 of `requests` requests (fewer if `max_seconds` runs out).
    A page that does not answer 200 raises (a benchmark of redirects is no benchmark)."""
    headers = {"Cookie": cookie}
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    latencies: list[float] = []
    size = errors = 0
    deadline = time.monotonic() + max_seconds
    try:
        for i in range(warmup + requests):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            elapsed = time.perf_counter() - t0
            if i == 0 and resp.status != 200:
                raise RuntimeError(f"GET {path} answered {resp.status} {resp.getheader('Location') or ''}".strip())
            if i < warmup:
                continue
            latencies.append(elapsed * 1000)
            size = len(body)
            errors += resp.status != 200
            if time.monotonic() > deadline:
                break
    finally:
        conn.close()
    latencies.sort()
    return OneClient(len(latencies), _percentile(latencies, 0.50), _percentile(latencies, 0.95), size, errors)


def measure_many(*, port: int, label: str, path: str, cookie: str, duration: int, connections: int,
                 threads: int) -> Result:
    headers = {"Cookie": cookie}
    wrk = shutil.which("wrk")
    if wrk:
        return bench.run_wrk(wrk, label=label, port=port, path=path, headers=headers, duration=duration,
                             connections=connections, threads=threads)
    return bench.run_python_load(label=label, port=port, path=path, headers=headers, duration=duration,
                                 connections=connections)


def measure_pages(*, port: int, rows: list[Row], password: str, requests: int, duration: int, connections: int,
                  threads: int, out: TextIO) -> tuple[Row, Row]:
    """Log every role in, then the floor, each page, and the floor again; errors are kept per page."""
    cookies: dict[str, str] = {}
    for username in sorted({r.page.username for r in rows}):
        cookies[username] = login_http(port=port, username=username, password=password)
    floor_page = Page("floor: constant JSON", "am1", FLOOR_PATH, False)
    floors = (Row(floor_page), Row(floor_page))

    def one(row: Row) -> None:
        out.write(f"measuring {row.page.key:34s} GET {row.page.path} …")
        out.flush()
        try:
            row.one = measure_one_client(port=port, path=row.page.path, cookie=cookies[row.page.username],
                                         requests=requests)
            row.many = measure_many(port=port, label=row.page.key, path=row.page.path,
                                    cookie=cookies[row.page.username], duration=duration, connections=connections,
                                    threads=threads)
            out.write(f" p95 {row.one.p95_ms:.1f} ms, {row.many.rps:.1f} req/s\n")
        except (RuntimeError, OSError, http.client.HTTPException) as exc:
            row.error = str(exc)[:200]
            out.write(f" failed: {row.error}\n")

    one(floors[0])
    for row in rows:
        one(row)
    one(floors[1])
    return floors


# ---------------------------------------------------------------- the benchmark


def run_pages_bench(*, customers: int = 20000, lines_per_customer: int = 100, key_accounts: int = 2000,
                    contact_logs: int = 2_000_000, requests: int = 50, duration: int = 5, connections: int = 8,
                    threads: int = 2, workers: int = 2, port: int = 0, skip_generate: bool = False,
                    demo_counts: bool = True, stdout: TextIO | None = None) -> list[Row]:
    from django.core.management import call_command
    from django.db import connections as db_connections

    from kam.demo.data import DEMO_PASSWORD

    out = stdout if stdout is not None else sys.stdout
    requests = max(1, min(requests, 10_000))
    duration = max(1, min(duration, 600))
    connections = max(1, min(connections, 256))
    started = time.monotonic()
    relax_second_factor()
    wrote = prepare_data(customers=customers, lines_per_customer=lines_per_customer, key_accounts=key_accounts,
                         contact_logs=contact_logs, skip_generate=skip_generate, out=out)
    call_command("collectstatic", interactive=False, verbosity=0)
    sweep_once(out=out, backfill=wrote)
    pages = resolve_pages(out=out)
    rows = [Row(p) for p in pages]
    for row, count in zip(rows, count_queries(pages).values(), strict=True):
        row.large = count
    if demo_counts:
        demo = demo_query_counts(out=out)
        for row in rows:
            row.demo = demo.get(row.page.key)
    scale = _scale()
    db_connections.close_all()  # the server has the database to itself while it is measured

    port = port or bench._free_port()
    log_path = Path(settings.VAR_DIR) / "bench_gunicorn.log"
    tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "python":
        out.write("wrk not found (Debian: apt-get install wrk): the built-in Python client lowers every "
                  "eight-client figure\n")
    out.write(f"starting gunicorn on {HOST}:{port} ({workers} workers × 1 thread, DEBUG off, production "
              f"settings + the floor)\n")
    load_before = os.getloadavg()[0]
    proc = bench.start_server(port=port, workers=workers, log_path=log_path)
    try:
        bench.wait_healthy(proc, port, log_path)
        floors = measure_pages(port=port, rows=rows, password=DEMO_PASSWORD, requests=requests, duration=duration,
                               connections=connections, threads=threads, out=out)
    finally:
        bench.stop_server(proc)
    report(out, rows, floors, scale=scale, requests=requests, duration=duration, connections=connections,
           threads=threads, workers=workers, tool=tool, load_before=load_before, seconds=time.monotonic() - started)
    return rows


def _scale() -> str:
    from kam.customers.models import Customer
    from kam.engagement.models import ContactLog
    from kam.obligations.models import StoredObligation
    from kam.qualification.selectors import key_account_ids

    return (f"{Customer.objects.count():,} customers, {len(key_account_ids()):,} key accounts, "
            f"{ContactLog.objects.count():,} contact logs, {StoredObligation.objects.count():,} stored obligations")


def _kb(n: int) -> str:
    return f"{n / 1024:.0f} KB" if n >= 10 * 1024 else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def floor_rps(floors: tuple[Row, Row]) -> float:
    values = [f.many.rps for f in floors if f.many is not None and f.many.rps]
    return sum(values) / len(values) if values else 0.0


def report(out: TextIO, rows: list[Row], floors: tuple[Row, Row], *, scale: str, requests: int, duration: int,
           connections: int, threads: int, workers: int, tool: str, load_before: float, seconds: float) -> list[str]:
    """The table of issue 11 (Markdown) and the verdicts; returns the pages that miss a target."""
    floor = floor_rps(floors)
    out.write(f"\nkam bench pages — {bench._db_label()}: {scale}\n")
    out.write(f"gunicorn {workers} workers × 1 thread; one client: {requests} requests per page; {connections} "
              f"clients: {tool} ({threads} threads) for {duration} s per page; {os.cpu_count()} CPUs; load average "
              f"before the run {load_before:.2f}; run took {seconds:.0f} s\n")
    out.write("queries: SQL per request in-process on the demo data alone / on this database ([n]: another customer "
              "on the demo data, not compared); in-process: one "
              "request through Django's test client on this database, median wall ms / CPU ms of the process "
              "(SQLite's work included, PostgreSQL's not) / SQL ms\n\n")
    out.write("| page (role) | queries demo / large | bytes | 1 client p50 | 1 client p95 | "
              f"{connections} clients req/s | ratio to floor | in-process wall / CPU / SQL |\n")
    out.write("|---|---|---|---|---|---|---|---|\n")
    for i, f in enumerate(floors):
        if f.many is not None and f.one is not None:
            out.write(f"| {f.page.label} ({'first' if i == 0 else 'last'}, {f.page.username}) | — | "
                      f"{_kb(f.one.bytes)} | {f.one.p50_ms:.1f} ms | {f.one.p95_ms:.1f} ms | {f.many.rps:.0f} | "
                      f"{f.many.rps / floor if floor else 0:.2f} | — |\n")
        elif f.error:
            out.write(f"| {f.page.label} | — | — | — | — | failed: {f.error} | — | — |\n")
    misses: list[str] = []
    for r in rows:
        demo = "?" if r.demo is None else str(r.demo.queries) if r.demo.status == 200 else f"({r.demo.status})"
        if not r.page.same_subject:
            demo = f"[{demo}]"
        large = "?" if r.large is None else str(r.large.queries) if r.large.status == 200 else f"({r.large.status})"
        inproc = "—" if r.large is None else f"{r.large.ms:.0f} / {r.large.cpu_ms:.0f} / {r.large.sql_ms:.0f} ms"
        if r.error or r.one is None or r.many is None:
            out.write(f"| {r.page.key} | {demo} / {large} | — | — | — | failed: {r.error} | — | {inproc} |\n")
            misses.append(f"{r.page.key}: not measured ({r.error})")
            continue
        ratio = r.many.rps / floor if floor else 0.0
        out.write(f"| {r.page.key} | {demo} / {large} | {_kb(r.one.bytes)} | {r.one.p50_ms:.1f} ms | "
                  f"{r.one.p95_ms:.1f} ms | {r.many.rps:.1f} | {ratio:.3f} | {inproc} |\n")
        why = []
        if r.one.p95_ms > P95_TARGET_MS:
            why.append(f"p95 {r.one.p95_ms:.0f} ms > {P95_TARGET_MS:.0f} ms")
        if ratio < RATIO_TARGET:
            why.append(f"{ratio:.3f}× the floor < {RATIO_TARGET}×")
        if r.page.same_subject and r.large is not None and r.demo is not None and r.large.queries != r.demo.queries:
            why.append(f"queries {r.demo.queries} on the demo, {r.large.queries} on the large database")
        if r.page.limited and r.large is not None and r.large.queries > QUERY_LIMIT:
            why.append(f"{r.large.queries} queries > {QUERY_LIMIT}")
        if r.one.errors or r.many.non2xx or r.many.socket_errors:
            why.append(f"errors: {r.one.errors} (one client), {r.many.non2xx} non-2xx, "
                       f"{r.many.socket_errors} socket ({connections} clients)")
        if why:
            misses.append(f"{r.page.key}: " + "; ".join(why))
    out.write(f"\ntargets (issue 11): p95 ≤ {P95_TARGET_MS:.0f} ms with one client; ≥ {RATIO_TARGET}× the floor's "
              f"req/s with {connections} clients; the same query count on the demo and the large database, "
              f"≤ {QUERY_LIMIT} for lists and home pages (all but the dossier, the review and the policy)\n")
    if misses:
        out.write("MISSED:\n" + "".join(f"  {m}\n" for m in misses))
    else:
        out.write("every page meets every target\n")
    return misses
