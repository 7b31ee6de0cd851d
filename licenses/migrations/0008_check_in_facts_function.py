"""PostgreSQL only: the check-in's read as a PL/pgSQL function, `licenses_check_in_facts(key)`.

PostgreSQL plans a statement sent as text afresh every time: for the check-in's join that
planning cost ~3× its execution. A prepared statement plans it once per connection, but behind
a pooler in transaction mode (PgBouncer) nothing may be prepared. A PL/pgSQL function's query
is planned once per server connection whoever calls it, so `SELECT * FROM
licenses_check_in_facts(%s)` costs the pooled check-in what the prepared one costs straight to
PostgreSQL. It returns what licenses.activation's plain query (SQLite's) returns, in that
order: a test compares them.
"""

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

CREATE = r"""
CREATE FUNCTION licenses_check_in_facts(key text)
RETURNS TABLE (
    id bigint, expires_on date, suspended_at timestamptz, pending_since timestamptz,
    hidden_at timestamptz, link_version varchar, last_seen_at timestamptz,
    module varchar, quantity integer, scheduled_quantity integer, scheduled_from date
)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
BEGIN
    RETURN QUERY
    SELECT c.id, c.expires_on, c.suspended_at, c.pending_since, c.hidden_at, c.link_version,
           c.last_seen_at, l.module, l.quantity, l.scheduled_quantity, l.scheduled_from
    FROM clients_client c LEFT JOIN clients_license l ON l.client_id = c.id
    WHERE c.license_key = key;
END
$$
"""
DROP = "DROP FUNCTION IF EXISTS licenses_check_in_facts(text)"


class Migration(migrations.Migration):
    dependencies = [
        ("licenses", "0007_drop_check_in_triggers"),
        ("clients", "0014_check_in_storage"),
    ]

    operations = [migrations.RunPython(run_on_postgresql([CREATE]), run_on_postgresql([DROP]))]
