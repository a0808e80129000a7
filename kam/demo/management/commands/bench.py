"""`kam bench api|pages|import|review|engine|search`: see kam.demo.bench (api), kam.demo.bench_pages (pages),
kam.demo.bench_search (search: the global search at 20,000 customers, p50/p95 beside a floor),
kam.demo.bench_import (import [--rows N] [--format csv|xlsx] [--concurrent [--clients 8] [--think-ms 0]]) and
kam.demo.bench_more (review, engine)."""

from __future__ import annotations

import argparse

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Benchmarks. api: GET /api/customers/ (as am1 and as head) against a constant-JSON floor under gunicorn "
            "with wrk; pages: every main page as its role (one client p50/p95, eight clients req/s, SQL queries on the "
            "demo and the large database); DATABASE_URL defaults to var/bench.sqlite3, topped up with `generate` "
            "as needed.")

    def add_arguments(self, parser):
        parser.add_argument("target", choices=["api", "pages", "import", "review", "engine", "search"],
                            help="api: list API vs framework floor; pages: the main pages vs the floor (issue 11); "
                                 "import: order lines/s; review: December draft vs SQL floor; engine: obligations "
                                 "vs SQL floor and the sweep's reconcile vs the evaluation; search: the global search "
                                 "and its results page per query, as head and am1, vs one indexed read")
        parser.add_argument("--rows", type=int, default=200_000, help="import: order lines in the file")
        parser.add_argument("--format", default="csv", choices=["csv", "xlsx"], help="import: file format")
        parser.add_argument("--concurrent", action="store_true",
                            help="import: upload through gunicorn + the worker while --clients account managers "
                                 "log contacts; prints their errors and p50/p95, and the import's duration")
        parser.add_argument("--clients", type=int, default=8, help="import --concurrent: contact-logging clients")
        parser.add_argument("--think-ms", type=int, default=0,
                            help="import --concurrent: pause of each client between two contact logs (default 0)")
        parser.add_argument("--baseline", type=int, default=10,
                            help="import --concurrent: seconds measured before the import starts (default 10)")
        parser.add_argument("--customers", type=int, default=20000, help="customers in the database (default 20000)")
        parser.add_argument("--lines-per-customer", type=int, default=100,
                            help="order lines per generated customer (default 100)")
        parser.add_argument("--key-accounts", type=int, default=2000,
                            help="pages: key accounts in the database (default 2000)")
        parser.add_argument("--contact-logs", type=int, default=2_000_000,
                            help="pages: contact logs in the database (default 2000000)")
        parser.add_argument("--skip-generate", action="store_true",
                            help="pages: use the database as it is (no top-up with `generate`)")
        parser.add_argument("--requests", type=int, default=50,
                            help="pages: one-client requests per page for p50/p95; search: runs per query and user (default 50)")
        parser.add_argument("--duration", type=int, default=None,
                            help="seconds per target with --connections clients (default: api 20, pages 5)")
        parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
        parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")
        parser.add_argument("--queries-only", action="store_true", help=argparse.SUPPRESS)  # bench_pages' child

    def handle(self, *args, target, customers, lines_per_customer, duration, connections, threads, workers, port,
               rows, format, concurrent, clients, think_ms, baseline, key_accounts, contact_logs,  # noqa: A002
               skip_generate, requests, queries_only, **options):
        from kam.demo import bench

        if target == "import" and concurrent:
            from kam.demo import bench_import as import_bench

            if clients < 1 or workers < 1 or rows < 1:
                raise CommandError("--clients, --workers and --rows must be at least 1")
            bench.ensure_environment(self.stdout)
            try:
                import_bench.run_concurrent(rows=rows, clients=clients, workers=workers, port=port,
                                            baseline=baseline, think_ms=think_ms, stdout=self.stdout)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            return
        if target == "search":
            from kam.demo import bench_search

            if customers < 1 or requests < 1 or lines_per_customer < 1:
                raise CommandError("--customers, --requests and --lines-per-customer must be at least 1")
            bench.ensure_environment(self.stdout)
            try:
                bench_search.run(customers=customers, lines_per_customer=lines_per_customer, requests=requests,
                                 stdout=self.stdout)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            return
        if target not in ("api", "pages"):
            from kam.demo import bench_import as import_bench
            from kam.demo import bench_more

            try:
                if target == "import":
                    bench.ensure_environment(self.stdout)  # var/bench.sqlite3 unless DATABASE_URL is set
                    import_bench.run(rows=rows, fmt=format, stdout=self.stdout)
                elif target == "review":
                    bench_more.run_review(stdout=self.stdout)
                else:
                    bench_more.run_engine(stdout=self.stdout)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            return

        duration = duration if duration is not None else (20 if target == "api" else 5)
        if customers < 1 or duration < 1 or connections < 1 or workers < 1 or requests < 1:
            raise CommandError("--customers, --duration, --connections, --workers and --requests must be at least 1")
        if key_accounts < 0 or contact_logs < 0:
            raise CommandError("--key-accounts and --contact-logs must not be negative")
        bench.ensure_environment(self.stdout)
        try:
            if target == "api":
                bench.run_api_bench(customers=customers, lines_per_customer=lines_per_customer, duration=duration,
                                    connections=connections, threads=threads, port=port, workers=workers,
                                    stdout=self.stdout)
                return
            from kam.demo import bench_pages

            if queries_only:
                bench_pages.run_queries_only(stdout=self.stdout)
                return
            bench_pages.run_pages_bench(customers=customers, lines_per_customer=lines_per_customer,
                                        key_accounts=key_accounts, contact_logs=contact_logs, requests=requests,
                                        duration=duration, connections=connections, threads=threads,
                                        workers=workers, port=port, skip_generate=skip_generate, stdout=self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
