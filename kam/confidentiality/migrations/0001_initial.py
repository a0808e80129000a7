import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """FieldClassification moves here from the dossier app (dossier 0002 copies its rows and drops its table)."""

    initial = True

    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

    operations = [
        migrations.CreateModel(
            name="FieldClassification",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("field", models.CharField(max_length=80, unique=True, verbose_name="字段")),
                ("core", models.BooleanField(default=True, verbose_name="核心数据")),
                ("changed_at", models.DateTimeField(auto_now=True)),
                ("changed_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                                 to=settings.AUTH_USER_MODEL)),
            ],
            options={"verbose_name": "字段密级", "verbose_name_plural": "字段密级"},
        ),
    ]
