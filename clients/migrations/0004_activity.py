"""Atividade: each event keeps its client's partner and where the change came from; indexes
for the partner's newest events, one action's, and one member's."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_partner_and_origin(apps, schema_editor):
    ClientEvent = apps.get_model("clients", "ClientEvent")
    Client = apps.get_model("clients", "Client")
    ClientEvent.objects.update(
        partner_id=Subquery(Client.objects.filter(pk=OuterRef("client_id")).values("partner_id"))
    )
    events = ClientEvent.objects.all()
    events.filter(actor_label="importação").update(origin="importacao")
    events.filter(actor_label="api").update(origin="api")
    events.filter(actor__isnull=False, actor__is_staff=True).update(origin="admin")
    events.filter(actor__isnull=False, actor__is_staff=False).update(origin="portal")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_status_tally"),
        ("partners", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="clientevent",
            name="partner",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="partners.partner",
                verbose_name="parceiro",
            ),
        ),
        migrations.AddField(
            model_name="clientevent",
            name="origin",
            field=models.CharField(
                choices=[
                    ("portal", "Portal"),
                    ("importacao", "Importação"),
                    ("api", "API"),
                    ("admin", "Administração"),
                    ("sistema", "Sistema"),
                ],
                default="sistema",
                max_length=12,
                verbose_name="origem",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="clientevent",
            name="actor_label",
            field=models.CharField(blank=True, max_length=60, verbose_name="autor (nome)"),
        ),
        migrations.RunPython(fill_partner_and_origin, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="clientevent",
            name="partner",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="partners.partner",
                verbose_name="parceiro",
            ),
        ),
        migrations.RemoveIndex(model_name="clientevent", name="clientevent_actor"),
        migrations.AddIndex(
            model_name="clientevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor", "partner", "-at", "-id"],
                name="clientevent_actor",
            ),
        ),
        migrations.AddIndex(
            model_name="clientevent",
            index=models.Index(fields=["partner", "-at", "-id"], name="clientevent_partner_at"),
        ),
        migrations.AddIndex(
            model_name="clientevent",
            index=models.Index(
                fields=["partner", "action", "-at"], name="clientevent_partner_action"
            ),
        ),
    ]
