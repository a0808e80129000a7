"""`kam demo`: load the demo dataset once (see kam.demo.data); a second run changes nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Load the demo data (users, ~60 customers, three years of orders and receivables) once."

    def handle(self, *args, **options):
        from kam.demo.data import load_demo

        load_demo(stdout=self.stdout)
