"""`kam bench import`: order lines per second through the real import (CSV and .xlsx), and peak memory.

Builds customers once, writes a synthetic ERP file of N order lines (10 lines per order), imports it with
the engine (read and check, then write: in short transactions on SQLite), and prints rows/s; run twice to
also time the idempotent re-import (every order unchanged).

`kam bench import --concurrent`: the same file uploaded through the import page of a gunicorn server
(2 workers, SQLite), checked and imported by the background worker and confirmed like a user would, while
8 account managers log contacts through the contact-log form; prints their errors (with what each failed
response said) and p50/p95 latency before and during the import, the import's duration, and the worker's
count and longest of the import's write transactions (issue 12 §3: 0 errors, p95 < 1 s).
"""

from __future__ import annotations

import csv
import http.client
import os
import re
import resource
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TextIO
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction

from kam.customers.models import Customer
from kam.customers.validators import make_credit_code

HOST = "127.0.0.1"

HEADER = ["订单编号", "客户", "下单日期", "状态", "产品系列", "型号", "数量", "单价（元）", "金额（元）"]
SERIES = [("酒店床组", "HB-1800"), ("酒店衣柜", "HW-1200"), ("办公桌", "OD-1600"), ("会议桌", "MT-3600"),
          ("沙发", "SF-320"), ("餐椅", "DC-45")]


def ensure_customers(n: int) -> list[str]:
    codes = [make_credit_code(f"91999999{i:09d}") for i in range(n)]
    existing = set(Customer.objects.filter(credit_code__in=codes).values_list("credit_code", flat=True))
    with transaction.atomic():
        Customer.objects.bulk_create([Customer(name=f"基准客户{i}", credit_code=c, customer_type="other", city="佛山",
                                               search_pinyin=f"jizhunkehu{i}", search_initials=f"jzkh{i}")
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
    from django.core.management import call_command

    from kam.exchange.pipeline import run_import
    from kam.exchange.registry import get_kind
    from kam.users.models import User

    call_command("migrate", interactive=False, verbosity=0)
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


# ---------------------------------------------------------------- `kam bench import --concurrent`

CONTACT_PATH = "/engagement/log/"
CLIENT_USERS = ("am1", "am2", "am3", "am4")  # the demo's account managers; 8 clients = 2 sessions each


class WebSession:
    """A browser-like session on loopback: cookies, the CSRF token of the last form, one connection."""

    _TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

    def __init__(self, port: int, timeout: float = 60) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.conn = http.client.HTTPConnection(HOST, port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers.setdefault("Host", f"{HOST}:{self.port}")
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=self.timeout)
            raise
        for name, value in resp.getheaders():
            if name.lower() == "set-cookie":
                cookie = SimpleCookie()
                cookie.load(value)
                for key, morsel in cookie.items():
                    self.cookies[key] = morsel.value
        if resp.getheader("Connection", "").lower() == "close":
            self.conn.close()
        m = self._TOKEN.search(data.decode("utf-8", "replace")) if data else None
        if m:
            self.token = m.group(1)
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        body = urlencode({**fields, "csrfmiddlewaretoken": self.token}).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_file(self, path: str, fields: dict[str, str], field: str, name: str, data: bytes
                  ) -> tuple[int, dict[str, str], bytes]:
        boundary = secrets.token_hex(16)
        parts = []
        for key, value in {**fields, "csrfmiddlewaretoken": self.token}.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode())
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                     f"Content-Type: text/csv\r\n\r\n".encode() + data + b"\r\n")
        parts.append(f"--{boundary}--\r\n".encode())
        return self.request("POST", path, b"".join(parts),
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def login(self, username: str, password: str) -> None:
        self.get("/login/")
        status, headers, _body = self.post("/login/", {"username": username, "password": password})
        if status != 302 or "login" in headers.get("location", ""):
            raise RuntimeError(f"log-in as {username} failed (status {status})")

    def close(self) -> None:
        self.conn.close()


@dataclass
class ClientStats:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    #: what the failed responses said (the form's error messages, or the start of the body), the first few
    bodies: list[str] = field(default_factory=list)

    def add(self, seconds: float, outcome: str | None, body: str = "") -> None:
        self.latencies.append(seconds)
        if outcome:
            self.errors[outcome] += 1
            if body and len(self.bodies) < 20:
                self.bodies.append(f"{outcome}: {body}")


#: a refused form's messages: the summary above the form (core/_form_errors.html) and Django's error lists
_ERRORS = re.compile(r'id="form-errors"[^>]*>(.*?)</div>|<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', re.S)
_TAGS = re.compile(r"<[^>]+>")
_WRITE_LOG = re.compile(r"import \w+ write: (\d+ transactions .*)")


def response_reason(status: int, body: bytes) -> str:
    """A short readable reason of a failed response for the bench's report: the form's error list (a refused
    form answers 400 with the form and its messages), else the start of the body's text."""
    text = body.decode("utf-8", "replace")
    found = [" ".join(_TAGS.sub(" ", a or b).split()) for a, b in _ERRORS.findall(text)]
    found = [f for f in found if f]
    if found:
        return "; ".join(dict.fromkeys(found))[:300]
    title = re.search(r"<title>(.*?)</title>", text, re.S)
    plain = " ".join(_TAGS.sub(" ", text).split())
    return ((title.group(1).strip() + " | ") if title else "") + plain[:200]


def _contact_client(port: int, username: str, password: str, customer_id: int, stop: threading.Event,
                    measuring: threading.Event, stats: ClientStats | _Switch, think: float,
                    ready: threading.Event) -> None:
    """Log contacts like an account manager: the form's POST, a redirect when saved."""
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Shanghai")
    session = WebSession(port, timeout=60)
    try:
        session.login(username, password)
        session.get(CONTACT_PATH)
        ready.set()
        n = 0
        while not stop.is_set():
            n += 1
            at = datetime.now(tz).strftime("%Y-%m-%dT%H:%M")
            fields = {"customer": str(customer_id), "at": at, "kind": "phone", "topic": "needs",
                      "summary": f"基准测试沟通 {username} #{n}", "next_step": ""}
            t0 = time.perf_counter()
            outcome: str | None
            reason = ""
            try:
                status, headers, body = session.post(CONTACT_PATH, fields)
                outcome = None if status == 302 else f"HTTP {status}"
                if outcome:
                    reason = response_reason(status, body)
            except (OSError, http.client.HTTPException) as exc:
                outcome = type(exc).__name__
                reason = str(exc)[:200]
            elapsed = time.perf_counter() - t0
            if measuring.is_set():
                stats.add(elapsed, outcome, f"{username} #{n} at {at}: {reason}")
            if outcome is not None and outcome.startswith("HTTP"):
                session.get(CONTACT_PATH)  # a fresh form (and token) after an error page
            if think:
                stop.wait(think)
    finally:
        session.close()


def _pct(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def _summarise(label: str, stats: list[ClientStats], seconds: float, out: TextIO) -> dict:
    lat = [x for s in stats for x in s.latencies]
    errors: Counter = Counter()
    for s in stats:
        errors.update(s.errors)
    n_err = sum(errors.values())
    detail = ", ".join(f"{k}: {v}" for k, v in errors.most_common()) or "none"
    out.write(f"{label}: {len(lat)} contact logs in {seconds:.1f} s ({len(lat) / max(seconds, 1e-9):.1f}/s), "
              f"errors {n_err} ({detail}), p50 {_pct(lat, 0.5):.0f} ms, p95 {_pct(lat, 0.95):.0f} ms, "
              f"max {max(lat, default=0) * 1000:.0f} ms\n")
    for s in stats:
        for body in s.bodies:
            out.write(f"  error response: {body}\n")
    return {"requests": len(lat), "errors": n_err, "error_detail": dict(errors), "p50_ms": _pct(lat, 0.5),
            "p95_ms": _pct(lat, 0.95), "max_ms": max(lat, default=0) * 1000, "seconds": seconds}


def _wait_status(run_id: int, wanted: set[str], session: WebSession, timeout: float, poll: float = 1.0
                 ) -> tuple[str, float, float | None]:
    """Poll the run's page like the browser does (htmx, every second) until its status is one of `wanted`.
    A watcher reads the status and the progress (the shared cache) every 0.1 s — the page itself may wait for a
    web worker — and notes when the status was reached and when the write phase (the lock) began.
    Returns (status, when reached, when the write phase began or None)."""
    from django.core.cache import cache
    from django.db import close_old_connections

    from kam.exchange.models import ImportRun
    from kam.exchange.services import progress_key

    seen: dict[str, float | str] = {}
    done = threading.Event()

    def watch() -> None:
        try:
            while not done.is_set():
                progress = cache.get(progress_key(run_id))
                if "writing" not in seen and isinstance(progress, dict) and progress.get("phase") == "writing":
                    seen["writing"] = time.monotonic()
                status = ImportRun.objects.filter(pk=run_id).values_list("status", flat=True).first() or ""
                if status in wanted:
                    seen["status"], seen["at"] = status, time.monotonic()
                    done.set()
                    return
                done.wait(0.1)
        finally:
            close_old_connections()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not done.is_set():
            try:
                session.get(f"/exchange/imports/{run_id}/", headers={"HX-Request": "true"})
            except (OSError, http.client.HTTPException):
                pass
            done.wait(poll)
    finally:
        done.set()
        watcher.join(timeout=10)
    if "status" not in seen:
        raise RuntimeError(f"import run {run_id} did not reach {sorted(wanted)} within {timeout:.0f} s")
    writing = seen.get("writing")
    return str(seen["status"]), float(seen["at"]), float(writing) if writing is not None else None


def _start_worker(log_path: Path, port: int) -> subprocess.Popen:
    from kam.demo.bench import _server_env

    log = open(log_path, "wb")  # noqa: SIM115 - handed to the child, closed with it
    env = _server_env(port)
    env["KAM_LOG_LEVEL"] = "INFO"  # the import's account of its write transactions (read back by the bench)
    try:
        return subprocess.Popen([sys.executable, "-m", "kam.cli", "db_worker", "--interval", "1",  # noqa: S603
                                 "--no-startup-delay"], cwd=settings.BASE_DIR, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    finally:
        log.close()


def run_concurrent(*, rows: int = 200_000, clients: int = 8, workers: int = 2, port: int = 0, baseline: int = 10,
                   think_ms: int = 0, timeout: int = 1800, stdout: TextIO) -> dict:
    """While a `rows`-line CSV import runs on SQLite under gunicorn — uploaded through the import page, checked
    and imported by the background worker, confirmed like a user — `clients` account managers log contacts;
    prints their error count and p50/p95 during the import (and during `baseline` seconds before it), and the
    import's duration. Target (issue 12 §3): 0 errors, p95 < 1 s."""
    from django.db import connections as db_connections

    from kam.customers.models import Customer
    from kam.demo.bench import _db_label, _free_port, prepare_data, start_server, stop_server, wait_healthy
    from kam.demo.data import DEMO_PASSWORD
    from kam.users.models import User

    out = stdout
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        out.write(f"note: the target concerns SQLite; this database is {_db_label()}\n")
    prepare_data(customers=0, lines_per_customer=0, out=out)
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # the pages need the static manifest
    codes = ensure_customers(2000)
    accounts = []
    for i in range(clients):
        user = User.objects.get(username=CLIENT_USERS[i % len(CLIENT_USERS)])
        customer_id = Customer.objects.filter(account_manager=user).values_list("id", flat=True).first()
        if customer_id is None:
            raise RuntimeError(f"{user.username} manages no customer: load the demo data (kam demo)")
        accounts.append((user.username, customer_id))
    # the clients and the importer log in with a password, as in the demo (`kam serve --demo`): 2FA is not measured
    os.environ["KAM_OTP_REQUIRED_ROLES"] = ""
    prefix = f"C{int(time.time())}"
    var = Path(settings.VAR_DIR)
    results: dict = {"rows": rows, "clients": clients, "workers": workers}
    server = worker = None
    stop, measuring = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        write_file(path, rows, codes, prefix, "csv")
        data = path.read_bytes()
        out.write(f"wrote {rows:,} order lines as CSV ({len(data) / 1e6:.1f} MB)\n")
        db_connections.close_all()
        port = port or _free_port()
        try:
            server = start_server(port=port, workers=workers, log_path=var / "bench_gunicorn.log")
            worker = _start_worker(var / "bench_worker.log", port)
            wait_healthy(server, port, var / "bench_gunicorn.log")
            out.write(f"gunicorn on {HOST}:{port} ({workers} workers, DEBUG off) and the task worker started; "
                      f"{clients} clients log contacts as {', '.join(sorted({u for u, _c in accounts}))}"
                      f"{f', {think_ms} ms between requests' if think_ms else ', back to back'}\n")
            out.flush()
            before = [ClientStats() for _ in accounts]
            during = [ClientStats() for _ in accounts]
            current = {"stats": before}

            ready = [threading.Event() for _ in accounts]

            def client(i: int) -> None:
                username, customer_id = accounts[i]
                _contact_client(port, username, DEMO_PASSWORD, customer_id, stop, measuring,
                                _Switch(current, i), think_ms / 1000, ready[i])

            threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
            for t in threads:
                t.start()
            for event in ready:  # every client logged in
                if not event.wait(120):
                    raise RuntimeError("a client could not log in (see var/bench_gunicorn.log)")
            time.sleep(2)  # warm-up
            measuring.set()
            t0 = time.monotonic()
            time.sleep(baseline)
            results["baseline"] = _summarise(f"before the import ({baseline} s)", before, time.monotonic() - t0, out)
            current["stats"] = during

            importer = WebSession(port, timeout=600)
            importer.login("head", DEMO_PASSWORD)
            importer.get("/exchange/imports/")
            started = time.monotonic()
            status, headers, _body = importer.post_file("/exchange/imports/", {"kind": "orders", "mapping": ""},
                                                        "file", "orders.csv", data)
            uploaded = time.monotonic()
            m = re.search(r"/exchange/imports/(\d+)/", headers.get("location", ""))
            if status != 302 or m is None:
                raise RuntimeError(f"upload answered {status}: {_body[:300]!r}")
            run_id = int(m.group(1))
            checked_status, checked, check_writing = _wait_status(
                run_id, {"valid", "invalid", "failed", "needs_mapping"}, importer, timeout)
            if checked_status != "valid":
                raise RuntimeError(f"the check ended {checked_status}")
            confirmed = time.monotonic()
            importer.get(f"/exchange/imports/{run_id}/")
            status, _h, _b = importer.post(f"/exchange/imports/{run_id}/confirm/", {})
            final, finished, import_writing = _wait_status(run_id, {"done", "failed"}, importer, timeout)
            measuring.clear()
            importer.close()
            if final != "done":
                raise RuntimeError(f"the import ended {final}")
            results["during"] = _summarise("during the import", during, finished - started, out)
            results.update(upload_s=uploaded - started, check_s=checked - uploaded, import_s=finished - confirmed,
                           total_s=finished - started)
            out.write(f"import of {rows:,} lines: upload {uploaded - started:.1f} s, check (worker) "
                      f"{checked - uploaded:.1f} s, import (worker, after confirming) {finished - confirmed:.1f} s, "
                      f"total {finished - started:.1f} s\n")
            if check_writing is not None and import_writing is not None:
                results.update(check_write_s=checked - check_writing, import_write_s=finished - import_writing)
                out.write(f"write phase (±0.2 s): check {checked - check_writing:.1f} s (rolled back), import "
                          f"{finished - import_writing:.1f} s; reading and checking held no lock\n")
            # on SQLite the write phase is many short transactions: the worker logs how long each held the lock
            slices = _WRITE_LOG.findall((var / "bench_worker.log").read_text(errors="replace"))
            for line in slices[-2:]:
                out.write(f"  worker: {line}\n")
            if slices:
                results["write_transactions"] = slices[-2:]
            load = os.getloadavg()
            results["load_average"] = load[0]
            out.write(f"load average {load[0]:.2f} / {load[1]:.2f} (1 / 5 min) on {os.cpu_count()} CPUs: other work on "
                      f"the machine lengthens every figure, the write phase's lock included\n")
            verdict = results["during"]["errors"] == 0 and results["during"]["p95_ms"] < 1000
            results["meets_target"] = verdict
            out.write(f"target (0 errors, p95 < 1 s during the import): {'met' if verdict else 'NOT met'}\n")
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=90)
            if worker is not None:
                stop_server(worker)
            if server is not None:
                stop_server(server)
    return results


class _Switch:
    """A client's stats object that follows the phase (before / during the import)."""

    def __init__(self, current: dict, index: int) -> None:
        self.current, self.index = current, index

    def add(self, seconds: float, outcome: str | None, body: str = "") -> None:
        self.current["stats"][self.index].add(seconds, outcome, body)
