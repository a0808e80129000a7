"""Issue 13 (search within 100 ms at 20,000 customers): on PostgreSQL, trigram indexes (pg_trgm, kam.core.trigram)
let LIKE '%…%' of three characters or more read an index instead of every row — customers' names, short names,
pinyin keys and credit codes, contacts' names (as typed, and upper-cased for names in Latin letters). Without the
extension nothing is created and search scans the rows, as it does on SQLite."""

from django.db import migrations

INDEXES = [
    ("customer_name_trgm", "customers_customer", "name"),
    ("customer_short_name_trgm", "customers_customer", "short_name"),
    ("customer_search_initials_trgm", "customers_customer", "search_initials"),
    ("customer_search_pinyin_trgm", "customers_customer", "search_pinyin"),
    ("customer_credit_code_trgm", "customers_customer", "credit_code"),
    ("contact_name_trgm", "customers_contact", "name"),
    ("contact_name_upper_trgm", "customers_contact", "upper((name)::text)"),
]


def create(apps, schema_editor):
    from kam.core import trigram

    trigram.create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    from kam.core import trigram

    trigram.drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_fill_search_keys")]

    operations = [migrations.RunPython(create, drop)]
