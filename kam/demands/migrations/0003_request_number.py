"""Issue 13: customer requests get a number (XQ<date>-<n>, as tickets have SH<date>-<n>) to be quoted and searched;
0004 numbers the existing requests, 0005 makes the number unique (three migrations: PostgreSQL refuses to alter a
table in the transaction that updated its rows)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("demands", "0002_initial")]

    operations = [
        migrations.AddField(model_name="customerrequest", name="number",
                            field=models.CharField(max_length=40, default="", verbose_name="需求编号"),
                            preserve_default=False),
    ]
