"""`kam generate --customers N [--lines-per-customer 100] [--seed 7]`: a large synthetic dataset for benchmarks.

Each run adds an independent batch (run-numbered keys, see kam.demo.generate).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Generate N synthetic customers with orders (N × lines-per-customer order lines), invoices and "
            "payments, fast (bulk inserts). A second run adds another batch with its own keys.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, required=True, help="number of customers to generate")
        parser.add_argument("--lines-per-customer", type=int, default=100,
                            help="order lines per customer (about ten per order; default 100)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")

    def handle(self, *args, customers, lines_per_customer, seed, **options):
        from kam.demo.generate import generate

        if customers < 1 or lines_per_customer < 1:
            raise CommandError("--customers and --lines-per-customer must be at least 1")
        generate(customers=customers, lines_per_customer=lines_per_customer, seed=seed, stdout=self.stdout)
