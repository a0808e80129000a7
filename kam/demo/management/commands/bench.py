"""`kam bench api [--customers 20000] [--duration 20] [--connections 8] [--port 0]`: see kam.demo.bench."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Benchmark GET /api/customers/ (as am1 and as head) against a constant-JSON floor under gunicorn "
            "with wrk; DATABASE_URL defaults to var/bench.sqlite3, topped up with `generate` as needed.")

    def add_arguments(self, parser):
        parser.add_argument("target", choices=["api", "import", "review", "engine"],
                            help="api: list API vs framework floor; import: order lines/s; review: December draft "
                                 "vs SQL floor; engine: obligations vs SQL floor")
        parser.add_argument("--rows", type=int, default=200_000, help="import: order lines in the file")
        parser.add_argument("--format", default="csv", choices=["csv", "xlsx"], help="import: file format")
        parser.add_argument("--customers", type=int, default=20000, help="customers in the database (default 20000)")
        parser.add_argument("--lines-per-customer", type=int, default=100,
                            help="order lines per generated customer (default 100)")
        parser.add_argument("--duration", type=int, default=20, help="seconds per target (default 20)")
        parser.add_argument("--connections", type=int, default=8, help="concurrent connections (default 8)")
        parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
        parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
        parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: a free one)")

    def handle(self, *args, target, customers, lines_per_customer, duration, connections, threads, workers, port,
               rows, format, **options):  # noqa: A002
        from kam.demo import bench

        if target != "api":
            from kam.demo import bench_import as import_bench
            from kam.demo import bench_more

            try:
                if target == "import":
                    import_bench.run(rows=rows, fmt=format, stdout=self.stdout)
                elif target == "review":
                    bench_more.run_review(stdout=self.stdout)
                else:
                    bench_more.run_engine(stdout=self.stdout)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            return

        if customers < 1 or duration < 1 or connections < 1 or workers < 1:
            raise CommandError("--customers, --duration, --connections and --workers must be at least 1")
        bench.ensure_environment(self.stdout)
        try:
            bench.run_api_bench(customers=customers, lines_per_customer=lines_per_customer, duration=duration,
                                connections=connections, threads=threads, port=port, workers=workers,
                                stdout=self.stdout)
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
