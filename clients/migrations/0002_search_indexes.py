"""PostgreSQL: the trigram indexes of the client search and the clients table's fill factor
(clients/sql/clients.postgresql.sql). Other databases need neither."""

from pathlib import Path

from django.db import migrations

from portal.migration_helpers import run_sql_file

SQL = Path(__file__).resolve().parent.parent / "sql"


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_sql_file(SQL / "clients.postgresql.sql", "postgresql"), migrations.RunPython.noop
        ),
    ]
