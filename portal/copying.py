"""PostgreSQL's COPY, the one way the project bulk-loads rows (the import, the benchmarks' seed)."""

import itertools
from collections.abc import Iterable, Sequence

from django.db import connection
from django.db.models import JSONField
from psycopg.types.json import Jsonb

BATCH_SIZE = 5000


def copy_rows(cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (values in `columns` order) into `table` through psycopg's `cursor.copy`.

    `cursor` is a Django or a psycopg cursor of a PostgreSQL connection; names are quoted here.
    """
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def load_rows(cursor, table: str, columns: Sequence[tuple], rows: Iterable[Sequence]) -> None:
    """Insert `rows` (values in the order of `columns`, (name, Django field) pairs) into
    `table`, a temporary table: one COPY on PostgreSQL; elsewhere, executemany of the values as
    Django prepares them for each field, a batch at a time."""
    if connection.vendor == "postgresql":
        json = [position for position, (_, f) in enumerate(columns) if isinstance(f, JSONField)]
        if json:
            rows = (_with_jsonb(row, json) for row in rows)
        copy_rows(cursor, table, [name for name, _ in columns], rows)
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(name) for name, _ in columns)
    sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    fields = [field for _, field in columns]
    for batch in itertools.batched(rows, BATCH_SIZE):
        cursor.executemany(
            sql,
            [
                [
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(fields, row, strict=True)
                ]
                for row in batch
            ],
        )


def _with_jsonb(row, positions):
    row = list(row)
    for position in positions:
        row[position] = Jsonb(row[position])
    return row
