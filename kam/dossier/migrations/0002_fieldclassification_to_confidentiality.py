from django.db import migrations


def copy_rows(apps, schema_editor):
    old = apps.get_model("dossier", "FieldClassification")
    new = apps.get_model("confidentiality", "FieldClassification")
    new.objects.bulk_create([new(id=r.id, field=r.field, core=r.core, changed_by_id=r.changed_by_id,
                                 changed_at=r.changed_at) for r in old.objects.all()])


class Migration(migrations.Migration):
    dependencies = [("dossier", "0001_initial"), ("confidentiality", "0001_initial")]

    operations = [
        migrations.RunPython(copy_rows, migrations.RunPython.noop),
        migrations.DeleteModel(name="FieldClassification"),
    ]
