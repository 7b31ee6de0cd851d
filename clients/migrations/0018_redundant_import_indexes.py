"""Indexes that every import (and every other write) paid for and no query needs.

- `client_partner_name` (partner, name): on PostgreSQL a prefix of `client_partner_name_cover`
  (clients 0003/0009: partner, name, id, with the status facts and `search_name` INCLUDEd),
  which answers the same scans, index-only. The cover becomes the model's index (other
  databases ignore `include`: on SQLite it is an index on partner, name, id, as the dropped one
  was with its rowid).
- The foreign keys' own indexes on `clients_clientevent.client_id` and
  `clients_license.client_id`: prefixes of `clientevent_client_at` (client, -at) and
  `license_unique_module` (client, module).
- `clients_clientevent.actor_id`: indexed only where set (`clientevent_actor`); the import's,
  the API's and the system's events (most of them) have no actor.
- PostgreSQL's `…_like` index on `clients_registrationcode.code` (varchar_pattern_ops, made by
  Django for a unique CharField, for LIKE 'x%'): codes are only looked up whole (`code = …`, the
  unique index; the admin's `=code` is UPPER(code) = UPPER(…), which neither index answers).

Checked with EXPLAIN on 100,000 clients (README, "Speed" → "Import"): the partner's clients by
name (both directions, OFFSET, a name) become index-only scans of the cover; a client's events
and licenses, their cascades and a user's events keep an index scan. The foreign keys' indexes
are dropped by name, found by introspection, and the fields' state says `db_index=False`: on
SQLite an AlterField would rebuild the tables (and clients_client's rebuild drops the status
tally's triggers, clients 0012).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from portal.migration_helpers import run_for_vendor

# (model, field) whose single-column index goes.
FOREIGN_KEYS = [("ClientEvent", "client"), ("ClientEvent", "actor"), ("License", "client")]


def _column_indexes(schema_editor, table: str, column: str) -> list[str]:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, constraint in constraints.items()
        if constraint["columns"] == [column]
        and constraint["index"]
        and not constraint["unique"]
        and not constraint["primary_key"]
        and not name.endswith("_like")
    ]


def drop_foreign_key_indexes(apps, schema_editor):
    for model_name, field_name in FOREIGN_KEYS:
        model = apps.get_model("clients", model_name)
        column = model._meta.get_field(field_name).column
        for name in _column_indexes(schema_editor, model._meta.db_table, column):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_foreign_key_indexes(apps, schema_editor):
    for model_name, field_name in FOREIGN_KEYS:
        model = apps.get_model("clients", model_name)
        field = model._meta.get_field(field_name)
        if not _column_indexes(schema_editor, model._meta.db_table, field.column):
            schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


def _code_like_indexes(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'clients_registrationcode' "
            "AND indexdef LIKE '%varchar_pattern_ops%'"
        )
        return [name for (name,) in cursor.fetchall()]


def drop_code_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in _code_like_indexes(schema_editor):
            schema_editor.execute(f"DROP INDEX {schema_editor.quote_name(name)}")


def create_code_like_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql" and not _code_like_indexes(schema_editor):
        model = apps.get_model("clients", "RegistrationCode")
        field = model._meta.get_field("code")
        schema_editor.execute(schema_editor._create_like_index_sql(model, field))


# PostgreSQL has the cover since 0003/0009; elsewhere it is made here.
NAME_INDEX = {
    "postgresql": ["DROP INDEX IF EXISTS client_partner_name"],
    "sqlite": [
        "CREATE INDEX IF NOT EXISTS client_partner_name_cover "
        'ON clients_client ("partner_id", "name", "id")',
        "DROP INDEX IF EXISTS client_partner_name",
    ],
}
UNDO_NAME_INDEX = {
    "postgresql": [
        'CREATE INDEX IF NOT EXISTS client_partner_name ON clients_client ("partner_id", "name")'
    ],
    "sqlite": [
        'CREATE INDEX IF NOT EXISTS client_partner_name ON clients_client ("partner_id", "name")',
        "DROP INDEX IF EXISTS client_partner_name_cover",
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0017_drop_upper_name_trigram_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveIndex(model_name="client", name="client_partner_name"),
                migrations.AddIndex(
                    model_name="client",
                    index=models.Index(
                        fields=["partner", "name", "id"],
                        include=(
                            "hidden_at",
                            "pending_since",
                            "suspended_at",
                            "expires_on",
                            "search_name",
                        ),
                        name="client_partner_name_cover",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(run_for_vendor(NAME_INDEX), run_for_vendor(UNDO_NAME_INDEX))
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="clientevent",
                    name="actor",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="autor",
                    ),
                ),
                migrations.AlterField(
                    model_name="clientevent",
                    name="client",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="clients.client",
                        verbose_name="cliente",
                    ),
                ),
                migrations.AlterField(
                    model_name="license",
                    name="client",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="licenses",
                        to="clients.client",
                        verbose_name="cliente",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunPython(drop_foreign_key_indexes, create_foreign_key_indexes),
            ],
        ),
        migrations.AddIndex(
            model_name="clientevent",
            index=models.Index(
                condition=models.Q(("actor__isnull", False)),
                fields=["actor"],
                name="clientevent_actor",
            ),
        ),
        migrations.RunPython(drop_code_like_index, create_code_like_index),
    ]
