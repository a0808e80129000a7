from django.core.management.base import BaseCommand
from django.db import connection, transaction

from kam.audit.services import audit_log
from kam.core import crypto


class Command(BaseCommand):
    help = "Re-encrypt every encrypted field with the first key of KAM_FIELD_KEYS (then old keys can go)."

    def handle(self, *args, **options):
        total = 0
        with transaction.atomic():
            for model, names in crypto.encrypted_fields():
                table = model._meta.db_table
                pk = model._meta.pk.column
                cols = [model._meta.get_field(n).column for n in names]
                qn = connection.ops.quote_name
                with connection.cursor() as cur:
                    cur.execute(f"SELECT {qn(pk)}, {', '.join(qn(c) for c in cols)} FROM {qn(table)}")
                    rows = cur.fetchall()
                for row in rows:
                    new = [crypto.rotate(v) if v else v for v in row[1:]]
                    if new != list(row[1:]):
                        sets = ", ".join(f"{qn(c)} = %s" for c in cols)
                        with connection.cursor() as cur:
                            cur.execute(f"UPDATE {qn(table)} SET {sets} WHERE {qn(pk)} = %s", [*new, row[0]])
                        total += 1
        audit_log(actor=None, action="core.field_keys.rotated", changes={"rows": total})
        self.stdout.write(f"re-encrypted {total} rows")
