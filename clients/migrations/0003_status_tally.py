"""The status tally's triggers, one readable script per database (clients/sql/tally.*.sql)."""

from pathlib import Path

from django.db import migrations

from portal.migration_helpers import run_sql_file

SQL = Path(__file__).resolve().parent.parent / "sql"
TRIGGERS = ("insert", "update", "delete", "truncate")


def drop_triggers(apps, schema_editor):
    """Backwards: the triggers go with the migration that made them (the table stays: 0001)."""
    vendor = schema_editor.connection.vendor
    for name in TRIGGERS:
        on_table = " ON clients_client" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS clients_statustally_{name}{on_table}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS clients_statustally_apply()")
        schema_editor.execute("DROP FUNCTION IF EXISTS clients_statustally_truncate()")


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_search_indexes")]

    operations = [
        migrations.RunPython(
            run_sql_file(SQL / "tally.postgresql.sql", "postgresql"), drop_triggers
        ),
        migrations.RunPython(run_sql_file(SQL / "tally.sqlite.sql", "sqlite"), drop_triggers),
    ]
