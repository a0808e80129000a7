"""The core-data access log is append-only too (A7.2): the database refuses UPDATE and DELETE."""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE TRIGGER core_access_no_update BEFORE UPDATE ON audit_coreaccess
       BEGIN SELECT RAISE(ABORT, 'the core-data access log is append-only'); END;""",
    """CREATE TRIGGER core_access_no_delete BEFORE DELETE ON audit_coreaccess
       WHEN kam_audit_purge_allowed() = 0
       BEGIN SELECT RAISE(ABORT, 'the core-data access log is append-only'); END;""",
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS core_access_no_update;", "DROP TRIGGER IF EXISTS core_access_no_delete;"]
PG_FORWARD = ["""CREATE TRIGGER core_access_append_only BEFORE UPDATE OR DELETE ON audit_coreaccess
                 FOR EACH ROW EXECUTE FUNCTION kam_audit_append_only();"""]
PG_BACKWARD = ["DROP TRIGGER IF EXISTS core_access_append_only ON audit_coreaccess;"]


def forward(apps, schema_editor):
    for sql in {"sqlite": SQLITE_FORWARD, "postgresql": PG_FORWARD}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backward(apps, schema_editor):
    for sql in {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_coreaccess")]
    operations = [migrations.RunPython(forward, backward)]
