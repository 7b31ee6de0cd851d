"""PostgreSQL only: two indexes for the Clientes screen at 100,000 clients per partner.

- `client_upper_name_trgm`: a pg_trgm GIN index for the name search. The search is
  `name__icontains`, which Django emits as `UPPER(name::text) LIKE UPPER(%s)`; a trigram index
  on that same expression lets PostgreSQL answer it without reading every client of the
  partner.
- `client_partner_name_cover`: (partner, name, id) with the status facts INCLUDEd. The list's
  default order is (name, id), and a page is read as "the ids of this page" first
  (`clients.tables.PagedQuerysetData`): with this index that step is an index-only scan, so
  deep pages (OFFSET 50,000) and the name search stay cheap, and so does the scan of a
  partner's client ids behind the unused-codes notice.

Other databases (SQLite) need neither: there this migration does nothing.
"""

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS client_upper_name_trgm ON clients_client "
    "USING gin ((UPPER(name::text)) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS client_partner_name_cover ON clients_client "
    "(partner_id, name, id) INCLUDE (hidden_at, pending_since, suspended_at, expires_on)",
)
DROP = (
    "DROP INDEX IF EXISTS client_partner_name_cover",
    "DROP INDEX IF EXISTS client_upper_name_trgm",
)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_notification_log"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP)),
    ]
