"""API tokens expire and carry a scope (issue 12 §5). Tokens issued before keep working as before (write
scope) until API_TOKEN_DAYS after this migration, never past it."""

import datetime as dt

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("users", "ApiToken")
    expires = timezone.now() + dt.timedelta(days=int(getattr(settings, "API_TOKEN_DAYS", 90)))
    ApiToken.objects.filter(expires_at__isnull=True).update(expires_at=expires)


class Migration(migrations.Migration):

    dependencies = [
        ("users", "0002_login_throttle_and_temporary_password"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            # existing tokens could write: they keep that scope; new ones default to read only
            field=models.CharField(choices=[("read", "只读"), ("write", "读写")], default="write", max_length=5,
                                   verbose_name="权限"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(choices=[("read", "只读"), ("write", "读写")], default="read", max_length=5,
                                   verbose_name="权限"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
    ]
