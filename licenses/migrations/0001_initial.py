"""The check-in's read as a PostgreSQL function (licenses/sql/check_in_facts.postgresql.sql),
and the database cache's table, so that no manual `createcachetable` is needed whatever CACHES
says (the API's and the sign-in's rate limits use the cache)."""

from pathlib import Path

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

from portal.migration_helpers import run_sql_file

SQL = Path(__file__).resolve().parent.parent / "sql"
CACHE_TABLE = "portal_cache"


def create_cache_table(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


class Migration(migrations.Migration):
    initial = True

    dependencies = [("clients", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_sql_file(SQL / "check_in_facts.postgresql.sql", "postgresql"),
            migrations.RunPython.noop,
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop, elidable=False),
    ]
