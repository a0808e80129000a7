"""`kam bench api`: throughput and latency of the customer list API under gunicorn.

1. The database is DATABASE_URL, or var/bench.sqlite3 when unset (the command re-executes itself with
   that setting, since the settings are read at start-up). It is migrated; `generate` tops it up to
   `--customers` customers; the demo data is loaded when the user `head` is absent (the benchmark
   uses `am1`, who holds 15 accounts, and `head`, who sees every customer).
2. gunicorn serves kam with kam.demo.bench_settings (the production settings plus `/__bench/floor`,
   a constant JSON view behind the same middleware: the framework floor) on 127.0.0.1, with DEBUG off.
   Missing KAM_SECRET_KEY / KAM_FIELD_KEYS are replaced by throwaway values (the field keys are kept
   in var/bench_field_keys so the bench database stays readable from run to run).
3. wrk (`apt install wrk`; otherwise a small threaded Python client) measures each target for
   `--duration` seconds with `--connections` connections: the floor, GET /api/customers/?page=1 as
   am1 and as head (API tokens made for the run, revoked afterwards). Printed: req/s, p50, p95, the
   ratio to the floor (target ≥ 0.25×) and the SQL queries per list request (measured in-process).
gunicorn is always stopped at the end. Only loopback is used; every loop is bounded.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from django.conf import settings

HOST = "127.0.0.1"
LIST_PATH = "/api/customers/?page=1"
FLOOR_PATH = "/__bench/floor"
TARGET_RATIO = 0.25
REEXEC_FLAG = "KAM_BENCH_REEXEC"

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "KAM_BENCH requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d non2xx=%d socket_errors=%d\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""
WRK_RESULT = re.compile(r"KAM_BENCH requests=(\d+) duration_us=(\d+) p50_us=(\d+) p95_us=(\d+) p99_us=(\d+) "
                        r"non2xx=(\d+) socket_errors=(\d+)")


@dataclass
class Result:
    label: str
    path: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    non2xx: int
    socket_errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ---------------------------------------------------------------- environment


def _bench_field_keys() -> str:
    """Throwaway Fernet keys for the bench database, kept in var/ so later runs can read the data."""
    from cryptography.fernet import Fernet

    path = Path(settings.VAR_DIR) / "bench_field_keys"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    path.write_text(key + "\n")
    path.chmod(0o600)
    return key


def ensure_environment(out: TextIO) -> None:
    """Default DATABASE_URL to var/bench.sqlite3 (re-executing the command) and supply field keys."""
    if not os.environ.get("KAM_FIELD_KEYS") or not settings.FIELD_KEYS:
        keys = _bench_field_keys()
        os.environ["KAM_FIELD_KEYS"] = keys
        settings.FIELD_KEYS = [keys]
    if os.environ.get("DATABASE_URL"):
        return
    url = f"sqlite:///{Path(settings.VAR_DIR).resolve() / 'bench.sqlite3'}"
    if os.environ.get(REEXEC_FLAG) or "bench" not in sys.argv[1:3]:
        out.write(f"DATABASE_URL is unset and the command cannot re-execute itself: using {_db_label()}\n")
        return
    out.write(f"DATABASE_URL unset: re-running with DATABASE_URL={url}\n")
    out.flush()
    env = {**os.environ, "DATABASE_URL": url, REEXEC_FLAG: "1"}
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def _db_label() -> str:
    db = settings.DATABASES["default"]
    return f"{db['ENGINE'].rsplit('.', 1)[-1]}:{db.get('NAME')}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- data


def prepare_data(*, customers: int, lines_per_customer: int, out: TextIO) -> None:
    from django.core.management import call_command

    from kam.customers.models import Customer
    from kam.demo.data import load_demo
    from kam.demo.generate import generate
    from kam.users.models import Role, User
    from kam.users.services import role_grant, user_create

    out.write(f"database: {_db_label()}\n")
    call_command("migrate", interactive=False, verbosity=0)
    have = Customer.objects.count()
    if have < customers:
        out.write(f"{have} customers, {customers} asked: generating {customers - have}\n")
        generate(customers=customers - have, lines_per_customer=lines_per_customer, stdout=out)
    if not User.objects.filter(username="head").exists():
        load_demo(stdout=out)
    for username, role in (("head", Role.HEAD_OF_SALES), ("am1", Role.ACCOUNT_MANAGER)):
        user = User.objects.filter(username=username).first()
        if user is None:
            user_create(actor=None, username=username, password=secrets.token_urlsafe(16), roles=[role])
        elif not user.has_role(role):
            role_grant(actor=None, user=user, role=role)


def count_queries(raw_tokens: dict[str, str]) -> dict[str, tuple[int, int, int]]:
    """(status, SQL queries, total count) of one list request per user, in-process with the test client."""
    import json

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=HOST)
    result = {}
    for label, raw in raw_tokens.items():
        headers = {"Authorization": f"Bearer {raw}"}
        client.get(LIST_PATH, headers=headers, secure=settings.SECURE_SSL_REDIRECT)  # warm-up (token last-used)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(LIST_PATH, headers=headers, secure=settings.SECURE_SSL_REDIRECT)
        count = json.loads(response.content).get("count", -1) if response.status_code == 200 else -1
        result[label] = (response.status_code, len(ctx.captured_queries), count)
    return result


# ---------------------------------------------------------------- server


def _server_env(port: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("KAM_DEBUG", None)  # measure the production configuration
    env.pop("KAM_HTTPS", None)  # plain HTTP on loopback
    env.pop(REEXEC_FLAG, None)
    env["DJANGO_SETTINGS_MODULE"] = "kam.demo.bench_settings"
    if not env.get("KAM_SECRET_KEY") or env["KAM_SECRET_KEY"] == getattr(settings, "INSECURE_DEFAULT_KEY", ""):
        env["KAM_SECRET_KEY"] = secrets.token_urlsafe(50)
    hosts = [h for h in env.get("KAM_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    env["KAM_ALLOWED_HOSTS"] = ",".join([*hosts, HOST] if HOST not in hosts else hosts)
    env["KAM_LOG_LEVEL"] = env.get("KAM_LOG_LEVEL", "WARNING")
    return env


def start_server(*, port: int, workers: int, log_path: Path) -> subprocess.Popen:
    if shutil.which("gunicorn", path=os.path.dirname(sys.executable)) is None and shutil.which("gunicorn") is None:
        raise RuntimeError("gunicorn is not installed (pip install gunicorn)")
    argv = [sys.executable, "-m", "gunicorn", "kam.wsgi:application", "--bind", f"{HOST}:{port}",
            "--workers", str(workers), "--threads", "1", "--timeout", "60", "--log-level", "warning"]
    log = open(log_path, "wb")  # noqa: SIM115 - handed to the child, closed with it
    try:
        return subprocess.Popen(argv, cwd=settings.BASE_DIR, env=_server_env(port), stdout=log,
                                stderr=subprocess.STDOUT)
    finally:
        log.close()


def wait_healthy(proc: subprocess.Popen, port: int, log_path: Path, timeout: float = 60) -> None:
    """Until gunicorn serves Django: /healthz answers 200, or 503 (a health probe failing — the bench database
    has no running sweep — says as much that the server is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2) as r:  # noqa: S310 - loopback
                if r.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code == 503:  # Django answers; a probe (e.g. the sweep's age) is unhealthy: not the bench's concern
                return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.25)
    raise RuntimeError(f"gunicorn did not answer /healthz within {timeout:.0f} s:\n{_tail(log_path)}")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def check_target(port: int, path: str, headers: dict[str, str]) -> None:
    """One request must answer 200 before the target is measured (a benchmark of 401s is no benchmark)."""
    req = urllib.request.Request(f"http://{HOST}:{port}{path}", headers=headers)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310 - loopback
            r.read()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"GET {path} answered {exc.code}: {exc.read()[:300]!r}") from None


# ---------------------------------------------------------------- load


def run_wrk(wrk: str, *, label: str, port: int, path: str, headers: dict[str, str], duration: int,
            connections: int, threads: int) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT)
        script = f.name
    try:
        argv = [wrk, f"-t{max(1, min(threads, connections))}", f"-c{connections}", f"-d{duration}s", "--latency",
                "--timeout", "10s", "-s", script]
        for k, v in headers.items():
            argv += ["-H", f"{k}: {v}"]
        argv.append(f"http://{HOST}:{port}{path}")
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=duration + 60, check=False)
    finally:
        os.unlink(script)
    m = WRK_RESULT.search(proc.stdout)
    if proc.returncode != 0 or m is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    requests, duration_us, p50, p95, _p99, non2xx, sock = (int(x) for x in m.groups())
    return Result(label, path, requests, duration_us / 1e6, p50 / 1000, p95 / 1000, non2xx, sock)


def run_python_load(*, label: str, port: int, path: str, headers: dict[str, str], duration: int,
                    connections: int) -> Result:
    """A small keep-alive load generator (threads × http.client) for machines without wrk."""
    deadline = time.monotonic() + duration
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [[0, 0] for _ in range(connections)]  # non-2xx, socket errors

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        lat, err = latencies[i], errors[i]
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                resp = conn.getresponse()
                resp.read()
            except (OSError, http.client.HTTPException):
                err[1] += 1
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=10)
                continue
            lat.append(time.perf_counter() - t0)
            if resp.status >= 400:
                err[0] += 1
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=duration + 30)
    seconds = time.monotonic() - started
    all_lat = sorted(x for lat in latencies for x in lat)

    def pct(p: float) -> float:
        return all_lat[min(len(all_lat) - 1, int(len(all_lat) * p))] * 1000 if all_lat else 0.0

    return Result(label, path, len(all_lat), seconds, pct(0.50), pct(0.95), sum(e[0] for e in errors),
                  sum(e[1] for e in errors))


# ---------------------------------------------------------------- the benchmark


def run_api_bench(*, customers: int = 20000, lines_per_customer: int = 100, duration: int = 20,
                  connections: int = 8, threads: int = 2, port: int = 0, workers: int = 2,
                  stdout: TextIO | None = None) -> list[Result]:
    from django.db import connections as db_connections

    from kam.users.models import User
    from kam.users.services import api_token_create, api_token_revoke

    out = stdout if stdout is not None else sys.stdout
    duration = max(1, min(duration, 600))
    connections = max(1, min(connections, 256))
    prepare_data(customers=customers, lines_per_customer=lines_per_customer, out=out)

    head, am1 = User.objects.get(username="head"), User.objects.get(username="am1")
    tokens = {"am1": api_token_create(actor=am1, name="kam bench api"),
              "head": api_token_create(actor=head, name="kam bench api")}
    raw = {label: value for label, (_token, value) in tokens.items()}
    results: list[Result] = []
    proc = None
    load_before = 0.0
    try:
        queries = count_queries(raw)
        db_connections.close_all()  # the server has the database to itself while it is measured
        port = port or _free_port()
        log_path = Path(settings.VAR_DIR) / "bench_gunicorn.log"
        wrk = shutil.which("wrk")
        if wrk is None:
            out.write("wrk not found (Debian/Ubuntu: sudo apt install wrk); using the built-in Python client, "
                      "whose own overhead lowers every figure\n")
        out.write(f"starting gunicorn on {HOST}:{port} ({workers} workers × 1 thread, DEBUG off)\n")
        load_before = os.getloadavg()[0]
        proc = start_server(port=port, workers=workers, log_path=log_path)
        wait_healthy(proc, port, log_path)
        targets = [("floor", FLOOR_PATH, raw["am1"]), ("am1", LIST_PATH, raw["am1"]),
                   ("head", LIST_PATH, raw["head"])]
        for label, path, token in targets:
            headers = {"Authorization": f"Bearer {token}"}
            check_target(port, path, headers)
            for _ in range(20):  # warm-up: imports, caches, first connections
                check_target(port, path, headers)
            out.write(f"measuring {label:5s} GET {path} for {duration} s with {connections} connections …\n")
            out.flush()
            if wrk:
                result = run_wrk(wrk, label=label, port=port, path=path, headers=headers, duration=duration,
                                 connections=connections, threads=threads)
            else:
                result = run_python_load(label=label, port=port, path=path, headers=headers, duration=duration,
                                         connections=connections)
            results.append(result)
    finally:
        if proc is not None:
            stop_server(proc)
        for token, _raw in tokens.values():
            api_token_revoke(actor=token.user, token=token)

    _report(out, results, queries, duration=duration, connections=connections, threads=threads, workers=workers,
            tool="wrk" if shutil.which("wrk") else "python", load_before=load_before)
    return results


def _report(out: TextIO, results: list[Result], queries: dict[str, tuple[int, int, int]], *, duration: int,
            connections: int, threads: int, workers: int, tool: str, load_before: float) -> None:
    floor = next((r for r in results if r.label == "floor"), None)
    out.write(f"\nkam bench api — {_db_label()}, gunicorn {workers} workers × 1 thread, {tool} "
              f"{threads} threads, {connections} connections, {duration} s per target, "
              f"{os.cpu_count()} CPUs; load average before the run {load_before:.2f} (other work skews the figures)\n")
    out.write(f"{'target':6s} {'path':26s} {'req/s':>9s} {'p50 ms':>8s} {'p95 ms':>8s} {'errors':>7s} "
              f"{'× floor':>8s}\n")
    for r in results:
        ratio = r.rps / floor.rps if floor and floor.rps else 0.0
        out.write(f"{r.label:6s} {r.path:26s} {r.rps:9.1f} {r.p50_ms:8.2f} {r.p95_ms:8.2f} "
                  f"{r.non2xx + r.socket_errors:7d} {ratio:8.2f}\n")
    for label, (status, n, count) in queries.items():
        out.write(f"SQL queries per list request as {label}: {n} (status {status}, {count} customers visible)\n")
    for r in results:
        if r.label != "floor" and floor and floor.rps:
            ratio = r.rps / floor.rps
            verdict = "meets" if ratio >= TARGET_RATIO else "BELOW"
            out.write(f"{r.label}: {ratio:.2f}× the floor — {verdict} the target of {TARGET_RATIO}×\n")
        if r.non2xx:
            out.write(f"warning: {r.label} had {r.non2xx} responses with status ≥ 400\n")
