"""The Clientes search ignores accents and case: "acougue" finds "Açougue".

Both sides are folded the same way: `fold(term)` in Python, `UPPER(portal_unaccent(name))` in
SQL — kept by the database in the generated column `Client.search_name`, so that a search
compares stored text (unaccent costs ~5 µs a name, too much to redo for each of the 125,000
rows a common word's trigrams match). `portal_unaccent` is an IMMUTABLE SQL function around
PostgreSQL's `unaccent` (migration clients/0007, which also indexes `search_name` with
pg_trgm), and on SQLite a Python function of the same name registered on every connection.
"""

import unicodedata

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, Q
from django.dispatch import receiver


def unaccent(text: str | None) -> str | None:
    """'Açougue São João' -> 'Acougue Sao Joao' (combining marks removed)."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold(text: str) -> str:
    """A search term as the SQL side compares it: without accents, upper case."""
    return unaccent(text).upper()


def name_contains_q(term: str, field: str = "search_name") -> Q:
    """Clients whose name contains `term`, accents and case ignored: `field` is the stored
    folded name (`search_name`, or a path to a client's, e.g. "client__search_name")."""
    return Q(**{f"{field}__contains": fold(term.strip())})


class Unaccent(Func):
    function = "portal_unaccent"
    output_field = CharField()


@receiver(connection_created)
def register_sqlite_unaccent(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("portal_unaccent", 1, unaccent, deterministic=True)
