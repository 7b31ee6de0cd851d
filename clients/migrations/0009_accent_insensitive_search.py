"""The Clientes search ignores accents and finds a CPF/CNPJ fragment (clients.search).

- `portal_unaccent(text)` (PostgreSQL): `unaccent` with its dictionary named, declared
  IMMUTABLE so that a generated column may use it (`unaccent` itself is only STABLE: it reads
  the dictionary named by the search path). The dictionary is the one the extension installs
  in `public`. SQLite gets a Python function of that name on each connection instead.
- `Client.search_name`: `UPPER(portal_unaccent(name))`, a stored generated column.
- `client_search_name_trgm` (PostgreSQL): a pg_trgm GIN index on `search_name`, for
  `search_name LIKE '%ACOUGUE%'`; `client_cpf_cnpj_trgm`: one on `cpf_cnpj`, for a fragment;
  `client_partner_name_cover` (0003) INCLUDEs `search_name` too.

`client_upper_name_trgm` (migration 0003) stays: the admin's search is `name__icontains`.
"""

import django.db.models.functions.text
from django.db import migrations, models

import clients.search
from portal.migration_helpers import run_on_postgresql

FUNCTION = (
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE OR REPLACE FUNCTION portal_unaccent(text) RETURNS text "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT "
    "RETURN public.unaccent('public.unaccent'::regdictionary, $1)",
)
DROP_FUNCTION = ("DROP FUNCTION IF EXISTS portal_unaccent(text)",)
# The partner's clients in name order with every column the list filters and counts on, so
# that a search's status counts and page ids are an index-only scan of the partner's entries
# (as `UPPER(name)` was with migration 0003's index): 0003's index plus `search_name`.
COVER = (
    "CREATE INDEX IF NOT EXISTS client_partner_name_cover ON clients_client "
    "(partner_id, name, id) INCLUDE (hidden_at, pending_since, suspended_at, expires_on{})"
)
INDEXES = (
    "DROP INDEX IF EXISTS client_partner_name_cover",
    COVER.format(", search_name"),
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS client_search_name_trgm ON clients_client "
    "USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS client_cpf_cnpj_trgm ON clients_client "
    "USING gin (cpf_cnpj gin_trgm_ops)",
    # Adding the column rewrote the table: its visibility map is empty until a VACUUM, and
    # until then every index-only scan (the status counts, a page's ids) reads the table too,
    # ~10x slower. And statistics of the new column at once: without them PostgreSQL guesses
    # that a name matches 100 rows of the whole table and reads every match of every partner.
    "VACUUM (ANALYZE) clients_client",
)
DROP_INDEXES = (
    "DROP INDEX IF EXISTS client_cpf_cnpj_trgm",
    "DROP INDEX IF EXISTS client_search_name_trgm",
    "DROP INDEX IF EXISTS client_partner_name_cover",
    COVER.format(""),
)


class Migration(migrations.Migration):
    atomic = False  # VACUUM cannot run in a transaction

    dependencies = [
        ("clients", "0008_client_last_seen_on_attention_index"),
    ]

    operations = [
        migrations.RunPython(run_on_postgresql(FUNCTION), run_on_postgresql(DROP_FUNCTION)),
        migrations.AddField(
            model_name="client",
            name="search_name",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Upper(
                    clients.search.Unaccent("name")
                ),
                output_field=models.TextField(),
                verbose_name="nome sem acentos",
            ),
        ),
        migrations.RunPython(run_on_postgresql(INDEXES), run_on_postgresql(DROP_INDEXES)),
    ]
