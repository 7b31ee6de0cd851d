"""The partner's unused registration codes index carries their clients too: Início's Link card
("com código de registro não utilizado", clients.attention.unused_code_q) reads the client ids
of the partner's unused codes from it alone, where PostgreSQL used to walk every partner's
unused codes by client (`regcode_unconsumed`) and filter them (9 of Início's 38 ms of SQL at
100,000 clients, README "Speed")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0015_redundant_client_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="registrationcode",
            name="regcode_partner_unconsumed",
        ),
        migrations.AddIndex(
            model_name="registrationcode",
            index=models.Index(
                condition=models.Q(("consumed_at__isnull", True)),
                fields=["partner", "client"],
                name="regcode_partner_unconsumed",
            ),
        ),
    ]
