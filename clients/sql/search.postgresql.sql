-- The client search ignores accents and case (clients.domain.search).
--
-- portal_unaccent(text) is `unaccent` with its dictionary named, declared IMMUTABLE so that the
-- stored generated column `clients_client.search_name` may use it: `unaccent` itself is only
-- STABLE, since it reads the dictionary named by the search path. SQLite gets a Python
-- function of the same name on each connection instead.
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN public.unaccent('public.unaccent'::regdictionary, $1);
