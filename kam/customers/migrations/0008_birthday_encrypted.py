"""A14.1: decision makers' birthdays are personal data — encrypted like the phone. The new encrypted column is
filled from the plaintext columns (encrypted on save by the field), which migration 0009 then drops; the customs
notes (礼仪与忌讳) of customers and contacts are added."""

from django.db import migrations, models

import kam.core.crypto


def encrypt_birthdays(apps, schema_editor):
    Contact = apps.get_model("customers", "Contact")
    rows = Contact.objects.exclude(birthday_kind="").only(
        "id", "birthday_kind", "birthday_month", "birthday_day", "birthday_leap_month").order_by("id")
    batch = []
    for c in rows.iterator(chunk_size=1000):
        c.birthday = (f"{c.birthday_kind}:{c.birthday_month or ''}:{c.birthday_day or ''}:"
                      f"{1 if c.birthday_leap_month else 0}")
        batch.append(c)
        if len(batch) >= 500:
            Contact.objects.bulk_update(batch, ["birthday"])
            batch = []
    if batch:
        Contact.objects.bulk_update(batch, ["birthday"])


def decrypt_birthdays(apps, schema_editor):
    Contact = apps.get_model("customers", "Contact")
    for c in Contact.objects.exclude(birthday="").order_by("id").iterator(chunk_size=1000):
        kind, month, day, leap = (c.birthday.split(":") + ["", "", "", ""])[:4]
        c.birthday_kind = kind
        c.birthday_month = int(month) if month.isdigit() else None
        c.birthday_day = int(day) if day.isdigit() else None
        c.birthday_leap_month = leap == "1"
        c.save(update_fields=["birthday_kind", "birthday_month", "birthday_day", "birthday_leap_month"])


class Migration(migrations.Migration):

    dependencies = [
        ("customers", "0007_merge_0004_upload_validators_0006_trigram_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="contact",
            name="birthday",
            field=kam.core.crypto.EncryptedTextField(blank=True, default="", verbose_name="生日"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="contact",
            name="customs_note",
            field=models.CharField(blank=True, default="", max_length=200, verbose_name="礼仪与忌讳"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="customer",
            name="pref_customs",
            field=models.TextField(blank=True, default="", max_length=500, verbose_name="礼仪与忌讳"),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_birthdays, decrypt_birthdays),
    ]
