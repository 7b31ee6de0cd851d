"""What the check-in reads and writes, cheaper to keep (licenses.activation; README
"Desempenho da verificacao").

- The license key's uniqueness becomes a constraint (`client_unique_license_key`): as
  `unique=True` on a CharField, PostgreSQL also had a `varchar_pattern_ops` copy of the index
  for LIKE (62 MB at a million clients), which nothing runs — yet every client update that is
  not HOT wrote both.
- `fillfactor = 90` for clients_client on PostgreSQL: the check-in writes the time of contact,
  and a row can be rewritten in its own page (a HOT update: no index touched) only when the
  page has room. Rows written in bulk (the import's COPY) filled their pages, so the first
  contact of each cost an update of every index of the table (~17) and their pages in the WAL; with
  a tenth of each page left free it costs the heap page alone. It applies to pages written from
  now on; `VACUUM FULL clients_client` (which locks the table while it rewrites it) applies it
  to the rows already there.
"""

from django.db import migrations, models

from portal.migration_helpers import run_on_postgresql

TABLE = "clients_client"


def one_key_index(apps, schema_editor):
    """PostgreSQL: the new unique constraint, then every other index on the key alone (the old
    unique constraint and its LIKE twin, whatever their names). Elsewhere nothing: SQLite's
    inline UNIQUE is the same rule, and changing it would remake the table — which drops the
    table's triggers (the status tally's, clients 0012)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ADD CONSTRAINT client_unique_license_key UNIQUE (license_key)"
    )
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    for name, constraint in constraints.items():
        if constraint["columns"] != ["license_key"] or name == "client_unique_license_key":
            continue
        if constraint["unique"]:
            schema_editor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS "{name}"')
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def two_key_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in (
        f"ALTER TABLE {TABLE} ADD CONSTRAINT clients_client_license_key_key UNIQUE (license_key)",
        f"CREATE INDEX clients_client_license_key_8e63f06e_like ON {TABLE} "
        "(license_key varchar_pattern_ops)",
        f"ALTER TABLE {TABLE} DROP CONSTRAINT client_unique_license_key",
    ):
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0013_attention_indexes_by_product"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddConstraint(
                    model_name="client",
                    constraint=models.UniqueConstraint(
                        fields=("license_key",), name="client_unique_license_key"
                    ),
                ),
                migrations.AlterField(
                    model_name="client",
                    name="license_key",
                    field=models.CharField(
                        blank=True, max_length=64, null=True, verbose_name="chave"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(one_key_index, two_key_indexes)],
        ),
        migrations.RunPython(
            run_on_postgresql([f"ALTER TABLE {TABLE} SET (fillfactor = 90)"]),
            run_on_postgresql([f"ALTER TABLE {TABLE} RESET (fillfactor)"]),
        ),
    ]
