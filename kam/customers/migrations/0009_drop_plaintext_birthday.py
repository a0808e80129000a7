"""A14.1: the plaintext birthday columns go (their values are in the encrypted `birthday` since 0008)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0008_birthday_encrypted"),
    ]

    operations = [
        migrations.RemoveField(model_name="contact", name="birthday_day"),
        migrations.RemoveField(model_name="contact", name="birthday_kind"),
        migrations.RemoveField(model_name="contact", name="birthday_leap_month"),
        migrations.RemoveField(model_name="contact", name="birthday_month"),
    ]
