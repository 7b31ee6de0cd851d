"""PostgreSQL only: tell the app processes when a check-in's answer may have changed.

Each app process answers check-ins from its replica of the activated clients' facts
(licenses.replica). These triggers send a notification on the channel `licenses_check_in`,
with the license key as payload, whenever those facts change — however the change is made:
an UPDATE of a client's status facts, key or version, a DELETE of a client, any write to its
licenses, and `*` for a TRUNCATE. Writing only the time of contact (`last_seen_at`) notifies
nobody: the check-ins do that all the time.

Other databases (SQLite) have no replica: there this migration does nothing.
"""

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

FACTS = "expires_on, suspended_at, pending_since, hidden_at, license_key, link_version"
OLD_FACTS = ", ".join(f"OLD.{column}" for column in FACTS.split(", "))
NEW_FACTS = ", ".join(f"NEW.{column}" for column in FACTS.split(", "))

CREATE = (
    """
    CREATE FUNCTION licenses_check_in_changed() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            PERFORM pg_notify('licenses_check_in', '*');
        ELSIF TG_TABLE_NAME = 'clients_client' THEN
            PERFORM pg_notify('licenses_check_in', OLD.license_key);
        ELSE
            PERFORM pg_notify('licenses_check_in', c.license_key)
            FROM clients_client c
            WHERE c.id IN (OLD.client_id, NEW.client_id) AND c.license_key IS NOT NULL;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER client_check_in_update AFTER UPDATE ON clients_client FOR EACH ROW
    WHEN (OLD.license_key IS NOT NULL AND ({OLD_FACTS}) IS DISTINCT FROM ({NEW_FACTS}))
    EXECUTE FUNCTION licenses_check_in_changed()
    """,
    """
    CREATE TRIGGER client_check_in_delete AFTER DELETE ON clients_client FOR EACH ROW
    WHEN (OLD.license_key IS NOT NULL) EXECUTE FUNCTION licenses_check_in_changed()
    """,
    """
    CREATE TRIGGER license_check_in AFTER INSERT OR UPDATE OR DELETE ON licenses_license
    FOR EACH ROW EXECUTE FUNCTION licenses_check_in_changed()
    """,
    """
    CREATE TRIGGER client_check_in_truncate AFTER TRUNCATE ON clients_client
    FOR EACH STATEMENT EXECUTE FUNCTION licenses_check_in_changed()
    """,
    """
    CREATE TRIGGER license_check_in_truncate AFTER TRUNCATE ON licenses_license
    FOR EACH STATEMENT EXECUTE FUNCTION licenses_check_in_changed()
    """,
)
DROP = (
    "DROP TRIGGER IF EXISTS license_check_in_truncate ON licenses_license",
    "DROP TRIGGER IF EXISTS client_check_in_truncate ON clients_client",
    "DROP TRIGGER IF EXISTS license_check_in ON licenses_license",
    "DROP TRIGGER IF EXISTS client_check_in_delete ON clients_client",
    "DROP TRIGGER IF EXISTS client_check_in_update ON clients_client",
    "DROP FUNCTION IF EXISTS licenses_check_in_changed()",
)


class Migration(migrations.Migration):
    dependencies = [("licenses", "0004_registrationcode_partner")]

    operations = [migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP))]
