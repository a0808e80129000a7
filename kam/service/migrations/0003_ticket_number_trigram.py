"""Issue 13: the global search finds tickets by any part of their number (icontains); on PostgreSQL a trigram index
(kam.core.trigram) answers it without reading every ticket."""

from django.db import migrations

INDEXES = [("ticket_number_upper_trgm", "service_ticket", "upper((number)::text)")]


def create(apps, schema_editor):
    from kam.core import trigram

    trigram.create(schema_editor, INDEXES)


def drop(apps, schema_editor):
    from kam.core import trigram

    trigram.drop(schema_editor, INDEXES)


class Migration(migrations.Migration):
    dependencies = [("service", "0002_ticket_confirmation")]

    operations = [migrations.RunPython(create, drop)]
