"""PostgreSQL only: the Clientes search ignores accents, and finds a CPF/CNPJ fragment.

- `portal_unaccent(text)`: `unaccent` with its dictionary named, declared IMMUTABLE so that an
  index may use it (`unaccent` itself is only STABLE: it reads the dictionary named by the
  search path). The dictionary is the one the extension installs in `public`.
- `client_search_name_trgm`: a pg_trgm GIN index on `UPPER(portal_unaccent(name))`, the very
  expression `clients.filters.search_q` filters on.
- `client_cpf_cnpj_trgm`: a pg_trgm GIN index on `cpf_cnpj`, for `cpf_cnpj LIKE '%1234%'`.

`client_upper_name_trgm` (migration 0003) stays: the admin's search is `name__icontains`.
SQLite gets `portal_unaccent` from `clients.search` on each connection; there this migration
does nothing.
"""

from django.db import migrations

from portal.migration_helpers import run_on_postgresql

CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$",
    "CREATE INDEX IF NOT EXISTS client_search_name_trgm ON clients_client "
    "USING gin ((UPPER(portal_unaccent(name::text))) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS client_cpf_cnpj_trgm ON clients_client "
    "USING gin (cpf_cnpj gin_trgm_ops)",
)
DROP = (
    "DROP INDEX IF EXISTS client_cpf_cnpj_trgm",
    "DROP INDEX IF EXISTS client_search_name_trgm",
    "DROP FUNCTION IF EXISTS portal_unaccent(text)",
)


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0005_licensing_tables"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(CREATE), run_on_postgresql(DROP)),
    ]
