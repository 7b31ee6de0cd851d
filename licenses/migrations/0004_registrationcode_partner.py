"""Registration codes keep their client's partner (the unused-codes notice reads an index of
it), filled in from the clients for the codes that exist."""

import django.db.models.deletion
from django.db import migrations, models

FILL = """
UPDATE licenses_registrationcode
SET partner_id = (
    SELECT partner_id FROM clients_client WHERE clients_client.id = licenses_registrationcode.client_id
)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_client_list_indexes"),
        ("licenses", "0003_cache_table"),
    ]

    operations = [
        migrations.AddField(
            model_name="registrationcode",
            name="partner",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clients.partner",
                verbose_name="parceiro",
            ),
        ),
        migrations.RunSQL(FILL, migrations.RunSQL.noop, elidable=False),
        migrations.AlterField(
            model_name="registrationcode",
            name="partner",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="clients.partner",
                verbose_name="parceiro",
            ),
        ),
        migrations.AddIndex(
            model_name="registrationcode",
            index=models.Index(
                condition=models.Q(("consumed_at__isnull", True)),
                fields=["partner"],
                name="regcode_partner_unconsumed",
            ),
        ),
    ]
