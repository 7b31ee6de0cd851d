"""The status tally's triggers, one readable script per database (clients/sql/tally.*.sql)."""

from pathlib import Path

from django.db import migrations

from portal.migration_helpers import run_sql_file

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("clients", "0002_search_indexes")]

    operations = [
        migrations.RunPython(
            run_sql_file(SQL / "tally.postgresql.sql", "postgresql"), migrations.RunPython.noop
        ),
        migrations.RunPython(
            run_sql_file(SQL / "tally.sqlite.sql", "sqlite"), migrations.RunPython.noop
        ),
    ]
