"""PostgreSQL only: drop the check-in notification triggers and their function (licenses 0005).

The per-process replica they kept current is gone: a check-in reads the database (licenses
.activation). The license trigger sits on `clients_license` since clients 0005 renamed the
table. Reversing puts nothing back: 0005's own reverse already drops what it made.
"""

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

DROP = (
    "DROP TRIGGER IF EXISTS license_check_in_truncate ON clients_license",
    "DROP TRIGGER IF EXISTS license_check_in ON clients_license",
    "DROP TRIGGER IF EXISTS client_check_in_truncate ON clients_client",
    "DROP TRIGGER IF EXISTS client_check_in_delete ON clients_client",
    "DROP TRIGGER IF EXISTS client_check_in_update ON clients_client",
    "DROP FUNCTION IF EXISTS licenses_check_in_changed()",
)


class Migration(migrations.Migration):
    dependencies = [
        ("licenses", "0006_licensing_models_moved_to_clients"),
        ("clients", "0005_licensing_tables"),
    ]

    operations = [migrations.RunPython(run_on_postgresql(DROP), migrations.RunPython.noop)]
