"""`kam reindex_search`: write every customer's pinyin keys and every contact's phone digest again.

Needed only when SECRET_KEY changed (the phone digests are keyed by it; until this runs, SECRET_KEY_FALLBACKS keep
the old ones found) or after data was written around the services (SQL by hand)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from kam.audit.services import audit_log
from kam.customers.models import Contact, Customer
from kam.customers.search import set_contact_keys, set_customer_keys

BATCH = 1000


class Command(BaseCommand):
    help = "Rebuild the global search's keys: customers' pinyin and initials, contacts' phone digests (issue 13)."

    def handle(self, *args, **options):
        counts = {"customers": 0, "contacts": 0}
        with transaction.atomic():
            for model, setter, fields, key in (
                    (Customer, set_customer_keys, ("name", "short_name"), "customers"),
                    (Contact, set_contact_keys, ("phone",), "contacts")):
                batch = []
                for obj in model.objects.only("pk", *fields).iterator(chunk_size=BATCH):
                    names = setter(obj)
                    batch.append(obj)
                    if len(batch) >= BATCH:
                        model.objects.bulk_update(batch, list(names))
                        counts[key] += len(batch)
                        batch = []
                if batch:
                    model.objects.bulk_update(batch, list(names))
                    counts[key] += len(batch)
            audit_log(actor=None, action="customers.search_keys.rebuilt", changes=counts)
        self.stdout.write(f"search keys written: {counts['customers']} customers, {counts['contacts']} contacts\n")
