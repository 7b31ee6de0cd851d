"""PostgreSQL only: a pg_trgm GIN index for the name search of the Clientes screen.

The search is `name__icontains`, which Django emits as `UPPER(name::text) LIKE UPPER(%s)`;
a trigram index on that same expression lets PostgreSQL answer it without reading every
client of the partner. Other databases (SQLite) need nothing: this migration does nothing
there.
"""

from django.db import migrations

INDEX = "client_upper_name_trgm"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON clients_client "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
