"""Issue 13: number the existing customer requests (XQ<date>-<n>): numbered by the day they were logged (Asia/Shanghai), in the order they were logged."""

from zoneinfo import ZoneInfo

from django.db import migrations

SHANGHAI = ZoneInfo("Asia/Shanghai")


def number_existing(apps, schema_editor):
    CustomerRequest = apps.get_model("demands", "CustomerRequest")
    per_day: dict[str, int] = {}
    batch = []
    for req in CustomerRequest.objects.order_by("created_at", "id").only("pk", "created_at").iterator():
        prefix = f"XQ{req.created_at.astimezone(SHANGHAI):%Y%m%d}"
        per_day[prefix] = per_day.get(prefix, 0) + 1
        req.number = f"{prefix}-{per_day[prefix]:03d}"
        batch.append(req)
    CustomerRequest.objects.bulk_update(batch, ["number"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("demands", "0003_request_number")]

    operations = [migrations.RunPython(number_existing, migrations.RunPython.noop)]
