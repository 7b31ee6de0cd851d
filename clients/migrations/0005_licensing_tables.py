"""The licensing tables take the names of their new app (licenses_* → clients_*), and their
content types follow, so that permissions and admin log entries keep pointing at them."""

from django.db import migrations

MOVED = ["license", "registrationcode", "certificate"]


def content_types_to(app_label, other):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        # A content type already made under the new label (e.g. by a post_migrate of a run that
        # stopped half-way) would clash: it goes, and the old one, with its permissions, stays.
        ContentType.objects.using(db).filter(app_label=app_label, model__in=MOVED).delete()
        ContentType.objects.using(db).filter(app_label=other, model__in=MOVED).update(
            app_label=app_label
        )

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0004_licensing_models"),
        ("licenses", "0006_licensing_models_moved_to_clients"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="certificate", table=None),
        migrations.AlterModelTable(name="license", table=None),
        migrations.AlterModelTable(name="registrationcode", table=None),
        migrations.RunPython(
            content_types_to("clients", "licenses"), content_types_to("licenses", "clients")
        ),
    ]
