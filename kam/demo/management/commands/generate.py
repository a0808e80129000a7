"""`kam generate --customers N [--lines-per-customer 100] [--seed 7]`: a large synthetic dataset for benchmarks.

Each run adds an independent batch (run-numbered keys, see kam.demo.generate).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Generate N synthetic customers with orders (N × lines-per-customer order lines), invoices and "
            "payments, fast (bulk inserts). A second run adds another batch with its own keys.")

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=0, help="number of customers to generate")
        parser.add_argument("--lines-per-customer", type=int, default=100,
                            help="order lines per customer (about ten per order; default 100)")
        parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
        parser.add_argument("--key-accounts", type=int, default=0,
                            help="then designate this many key accounts (largest buyers; A5.3 tiers)")
        parser.add_argument("--contact-logs", type=int, default=0, help="and write this many contact-log rows")

    def handle(self, *args, customers, lines_per_customer, seed, key_accounts, contact_logs, **options):
        from kam.demo.generate import generate
        from kam.demo.generate_engagement import generate_engagement

        if customers < 0 or lines_per_customer < 1 or key_accounts < 0 or contact_logs < 0:
            raise CommandError("counts must not be negative")
        if not (customers or key_accounts or contact_logs):
            raise CommandError("say what to generate: --customers N and/or --key-accounts N --contact-logs N")
        if customers:
            generate(customers=customers, lines_per_customer=lines_per_customer, seed=seed, stdout=self.stdout)
        if key_accounts or contact_logs:
            generate_engagement(key_accounts=key_accounts, contact_logs=contact_logs, seed=seed,
                                stdout=self.stdout)
