-- The status tally (clients.models.StatusTally, clients.tally): the database adds each
-- statement's net change per key to clients_statustally, whoever writes clients_client
-- (services, import, COPY, admin). A key is the facts the status derives from; a flag is TRUE
-- where the client's fact is set and NULL where it is not.
--
-- Statement-level triggers with transition tables: one merge per statement, however many rows
-- it wrote. Concurrent writers never wait on each other's tally rows: a writer merges the rows
-- nobody else holds (SKIP LOCKED) and adds its own row otherwise, so a key may have several
-- rows and readers always sum them.

CREATE OR REPLACE FUNCTION clients_statustally_apply() RETURNS trigger
LANGUAGE plpgsql AS $function$
DECLARE
    changed text;
BEGIN
    IF TG_OP = 'INSERT' THEN
        changed := 'SELECT n.partner_id, n.expires_on, n.product,
                           NULLIF(n.hidden_at IS NOT NULL, false),
                           NULLIF(n.pending_since IS NOT NULL, false),
                           NULLIF(n.suspended_at IS NOT NULL, false), 1
                    FROM new_rows n';
    ELSIF TG_OP = 'DELETE' THEN
        changed := 'SELECT o.partner_id, o.expires_on, o.product,
                           NULLIF(o.hidden_at IS NOT NULL, false),
                           NULLIF(o.pending_since IS NOT NULL, false),
                           NULLIF(o.suspended_at IS NOT NULL, false), -1
                    FROM old_rows o';
    ELSE
        -- Most updates change no status fact (a check-in's time of contact, a new name): this
        -- static statement, planned once per connection, lets them go at once. It is the net
        -- change per key, one aggregate over both tables: linear in their size, where a join
        -- of the old rows with the new ones is planned as a nested loop.
        IF NOT EXISTS (
            SELECT 1
            FROM (
                SELECT n.partner_id, n.expires_on, n.product,
                       NULLIF(n.hidden_at IS NOT NULL, false),
                       NULLIF(n.pending_since IS NOT NULL, false),
                       NULLIF(n.suspended_at IS NOT NULL, false), 1
                FROM new_rows n
                UNION ALL
                SELECT o.partner_id, o.expires_on, o.product,
                       NULLIF(o.hidden_at IS NOT NULL, false),
                       NULLIF(o.pending_since IS NOT NULL, false),
                       NULLIF(o.suspended_at IS NOT NULL, false), -1
                FROM old_rows o
            ) AS moved (partner_id, expires_on, product, hidden_at, pending_since, suspended_at, n)
            GROUP BY partner_id, expires_on, product, hidden_at, pending_since, suspended_at
            HAVING sum(n) <> 0
        ) THEN
            RETURN NULL;
        END IF;
        changed := 'SELECT n.partner_id, n.expires_on, n.product,
                           NULLIF(n.hidden_at IS NOT NULL, false),
                           NULLIF(n.pending_since IS NOT NULL, false),
                           NULLIF(n.suspended_at IS NOT NULL, false), 1
                    FROM new_rows n
                    UNION ALL
                    SELECT o.partner_id, o.expires_on, o.product,
                           NULLIF(o.hidden_at IS NOT NULL, false),
                           NULLIF(o.pending_since IS NOT NULL, false),
                           NULLIF(o.suspended_at IS NOT NULL, false), -1
                    FROM old_rows o';
    END IF;
    EXECUTE format($merge$
        WITH delta AS (
            SELECT partner_id, expires_on, product, hidden_at, pending_since, suspended_at,
                   sum(n)::integer AS n
            FROM (%s) AS changed (partner_id, expires_on, product, hidden_at, pending_since,
                                  suspended_at, n)
            GROUP BY partner_id, expires_on, product, hidden_at, pending_since, suspended_at
            HAVING sum(n) <> 0
        ), merged AS (
            DELETE FROM clients_statustally t
            USING (
                SELECT held.id
                FROM clients_statustally held
                JOIN delta d
                  ON held.partner_id = d.partner_id
                 AND held.expires_on = d.expires_on
                 AND held.product = d.product
                 AND held.hidden_at IS NOT DISTINCT FROM d.hidden_at
                 AND held.pending_since IS NOT DISTINCT FROM d.pending_since
                 AND held.suspended_at IS NOT DISTINCT FROM d.suspended_at
                ORDER BY held.id
                FOR UPDATE OF held SKIP LOCKED
            ) AS mine
            WHERE t.id = mine.id
            RETURNING t.partner_id, t.expires_on, t.product, t.hidden_at, t.pending_since,
                      t.suspended_at, t.clients AS n
        )
        INSERT INTO clients_statustally
            (partner_id, expires_on, product, hidden_at, pending_since, suspended_at, clients)
        SELECT partner_id, expires_on, product, hidden_at, pending_since, suspended_at, sum(n)
        FROM (SELECT * FROM delta UNION ALL SELECT * FROM merged) AS rows
        GROUP BY partner_id, expires_on, product, hidden_at, pending_since, suspended_at
        HAVING sum(n) <> 0
    $merge$, changed);
    RETURN NULL;
END
$function$;

CREATE OR REPLACE FUNCTION clients_statustally_truncate() RETURNS trigger
LANGUAGE plpgsql AS $function$
BEGIN
    DELETE FROM clients_statustally;
    RETURN NULL;
END
$function$;

CREATE TRIGGER clients_statustally_insert AFTER INSERT ON clients_client
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clients_statustally_apply();
CREATE TRIGGER clients_statustally_update AFTER UPDATE ON clients_client
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clients_statustally_apply();
CREATE TRIGGER clients_statustally_delete AFTER DELETE ON clients_client
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION clients_statustally_apply();
CREATE TRIGGER clients_statustally_truncate AFTER TRUNCATE ON clients_client
    FOR EACH STATEMENT EXECUTE FUNCTION clients_statustally_truncate();
