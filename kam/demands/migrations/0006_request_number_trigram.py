"""Issue 13: the global search finds customer requests by any part of their number (icontains); on PostgreSQL a
trigram index (kam.core.trigram) answers it without reading every request."""

from django.db import migrations

INDEXES = [("request_number_upper_trgm", "demands_customerrequest", "upper((number)::text)")]


def create(apps, schema_editor):
    from kam.core import trigram

    trigram.create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    from kam.core import trigram

    trigram.drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("demands", "0005_request_number_unique")]

    operations = [migrations.RunPython(create, drop)]
