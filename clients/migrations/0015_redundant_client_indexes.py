"""Two indexes of clients_client that no query uses, and that every insert paid for.

- `client_upper_name`, a btree on UPPER(name): the searches are `LIKE '%…%'` (which a btree
  cannot answer: the trigram indexes do) and nothing orders by it.
- The foreign key's own index on `partner_id` (Django's `clients_client_partner_id_…`): every
  other index of the table starts with the partner. The field's state says `db_index=False`;
  the index is dropped by name, found by introspection, because on SQLite an AlterField would
  rebuild the table — and with it drop the status tally's triggers (clients 0012).

Measured on 100,000 rows (README, "Speed" → "Import"): the INSERT … SELECT into the table
~4.2 s with them, ~3.9 s without (with `client_partner_name`, kept: SQLite has no cover index).
"""

import django.db.models.deletion
from django.db import migrations, models


def _partner_indexes(schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "clients_client")
    return [
        name
        for name, constraint in constraints.items()
        if constraint["columns"] == ["partner_id"]
        and constraint["index"]
        and not constraint["unique"]
        and not constraint["primary_key"]
    ]


def drop_partner_index(apps, schema_editor):
    for name in _partner_indexes(schema_editor):
        schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_partner_index(apps, schema_editor):
    if not _partner_indexes(schema_editor):
        model = apps.get_model("clients", "Client")
        field = model._meta.get_field("partner")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0014_check_in_storage"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="client", name="client_upper_name"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="client",
                    name="partner",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="clients",
                        to="clients.partner",
                        verbose_name="parceiro",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_partner_index, create_partner_index),
            ],
        ),
    ]
