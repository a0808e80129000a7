"""Issue 13: fill the search keys of the customers and contacts that exist (later writes keep them current)."""

import re

from django.db import migrations

BATCH = 1000


def fill(apps, schema_editor):
    from django.core.exceptions import ImproperlyConfigured

    from kam.core.crypto import FieldDecryptionError, blind_index
    from kam.core.pinyin import name_keys

    Customer = apps.get_model("customers", "Customer")
    batch = []
    for customer in Customer.objects.only("pk", "name", "short_name").iterator(chunk_size=BATCH):
        customer.search_pinyin, customer.search_initials = name_keys(customer.name, customer.short_name)
        batch.append(customer)
        if len(batch) >= BATCH:
            Customer.objects.bulk_update(batch, ["search_pinyin", "search_initials"])
            batch = []
    if batch:
        Customer.objects.bulk_update(batch, ["search_pinyin", "search_initials"])

    Contact = apps.get_model("customers", "Contact")
    if not Contact.objects.exclude(phone="").exists():
        return
    batch = []
    try:
        for contact in Contact.objects.exclude(phone="").only("pk", "phone").iterator(chunk_size=BATCH):
            digits = re.sub(r"\D", "", contact.phone or "")
            # the same digest as kam.customers.search.phone_tail_key (4 = kam.core.search.PHONE_TAIL)
            contact.phone_tail_key = blind_index("contact.phone_tail", digits[-4:]) if len(digits) >= 4 else ""
            batch.append(contact)
            if len(batch) >= BATCH:
                Contact.objects.bulk_update(batch, ["phone_tail_key"])
                batch = []
    except (FieldDecryptionError, ImproperlyConfigured):
        # phones that the configured keys cannot read: `kam reindex_search` fills them once the keys are set
        return
    if batch:
        Contact.objects.bulk_update(batch, ["phone_tail_key"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0004_search_keys")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop, elidable=True)]
