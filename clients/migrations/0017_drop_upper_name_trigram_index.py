"""PostgreSQL only: drop `client_upper_name_trgm` (clients 0003), the trigram index on
UPPER(name) that only the admin's `name__icontains` searches used.

The admin now searches a client's name as the portal does (`search_name`, accents and case
ignored, with its own trigram index, clients 0007/0009), so this second copy of every name's
trigrams only cost each write: about a quarter of an INSERT into clients_client (README,
"Speed" → "Import").
"""

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

DROP = ("DROP INDEX IF EXISTS client_upper_name_trgm",)
CREATE = (
    "CREATE INDEX IF NOT EXISTS client_upper_name_trgm ON clients_client "
    "USING gin ((UPPER(name::text)) gin_trgm_ops)",
)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0016_unused_codes_index_with_clients"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(DROP), run_on_postgresql(CREATE)),
    ]
