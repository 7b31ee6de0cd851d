-- What a check-in answers from: the client with this license key and its licenses, one row
-- per license (one row with NULL license columns for a client without any). A PL/pgSQL
-- function keeps its plan per server connection whoever calls it, also behind a pooler in
-- transaction mode, where no statement can be prepared.
CREATE OR REPLACE FUNCTION licenses_check_in_facts(key text)
RETURNS TABLE (
    id bigint,
    expires_on date,
    suspended_at timestamp with time zone,
    pending_since timestamp with time zone,
    hidden_at timestamp with time zone,
    link_version character varying,
    last_seen_at timestamp with time zone,
    module character varying,
    quantity integer,
    scheduled_quantity integer,
    scheduled_from date
)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $function$
BEGIN
    RETURN QUERY
    SELECT c.id, c.expires_on, c.suspended_at, c.pending_since, c.hidden_at, c.link_version,
           c.last_seen_at, l.module, l.quantity, l.scheduled_quantity, l.scheduled_from
    FROM clients_client c
    LEFT JOIN clients_license l ON l.client_id = c.id
    WHERE c.license_key = key;
END
$function$;
