"""Issue 13: request numbers are unique (filled by 0004)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("demands", "0004_number_existing_requests")]

    operations = [
        migrations.AlterField(model_name="customerrequest", name="number",
                              field=models.CharField(max_length=40, unique=True, verbose_name="需求编号")),
    ]
