"""PostgreSQL's COPY, the one way the project bulk-loads rows (the import, the benchmarks' seed)."""

from collections.abc import Iterable, Sequence

from django.db import connection


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (values in `columns` order) into `table` through psycopg's `cursor.copy`.

    `cursor` is a Django or a psycopg cursor of a PostgreSQL connection; names are quoted here.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
