"""Export a partner's clients as CSV (`manage.py export_clients`), in the import's columns.

Rows are streamed from the database in chunks (`read_in_chunks`: a server-side cursor, or
keyset chunks behind a pooler in transaction mode), never built as a list, so the memory used
does not grow with the partner's size; the screen's export (clients.tables) reads the same
way. An export re-imports to the same state: both directions go through
`clients.csv_columns`, and the import compares the file with the same `client_facts` this
module exports.
"""

import csv
from collections.abc import Iterable, Iterator

from django.db import connections
from django.db.models import FilteredRelation, Q
from django.utils import timezone

from clients.csv_columns import CLIENT_FIELDS, HEADER, record_of, render_record
from clients.models import License, Module, Partner
from clients.status import statuses_q

CHUNK_SIZE = 2000


def read_in_chunks(queryset, fields, chunk_size: int = CHUNK_SIZE) -> Iterator[dict]:
    """The `fields` of each row of the ordered `queryset` (its ordering must end with a unique
    field, e.g. pk), as dicts, `chunk_size` rows at a time.

    A server-side cursor (`iterator()`) where there are server-side cursors; where they are
    off (DATABASE_POOLER=transaction: a cursor cannot outlive its transaction there), one
    query per chunk that starts after the last row read (keyset: WHERE (order) > (last)
    ORDER BY order LIMIT n), so that each chunk is an indexed range, not an OFFSET."""
    if not connections[queryset.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        yield from queryset.values(*fields).iterator(chunk_size=chunk_size)
        return
    order = [str(name) for name in queryset.query.order_by]
    keys = [name.removeprefix("-") for name in order]
    extra = [key for key in keys if key not in fields]
    last = None
    while True:
        page = queryset if last is None else queryset.filter(_after(order, last))
        rows = list(page.values(*fields, *extra)[:chunk_size])
        for row in rows:
            yield {field: row[field] for field in fields}
        if len(rows) < chunk_size:
            return
        last = rows[-1]


def _after(order: list[str], last: dict) -> Q:
    """Rows after `last` in `order` (names, "-" for descending): (a > x) or (a = x and b > y)…"""
    after = Q(pk__in=[])
    equal = Q()
    for name in order:
        key = name.removeprefix("-")
        lookup = "lt" if name.startswith("-") else "gt"
        after |= equal & Q(**{f"{key}__{lookup}": last[key]})
        equal &= Q(**{key: last[key]})
    return after


def client_facts(clients, today=None) -> Iterator[dict]:
    """For each client of the queryset, by id: its `id`, its CLIENT_FIELDS, `main_id` (its
    main license, or None) and `licenses` (the main count in force `today`). One query.
    """
    today = today or timezone.localdate()
    rows = read_in_chunks(
        clients.annotate(
            main=FilteredRelation("licenses", condition=Q(licenses__module=Module.MAIN))
        ).order_by("pk"),
        [
            "id",
            *CLIENT_FIELDS,
            "main__id",
            "main__quantity",
            "main__scheduled_quantity",
            "main__scheduled_from",
        ],
    )
    for row in rows:
        main = License(
            quantity=row.pop("main__quantity") or 0,
            scheduled_quantity=row.pop("main__scheduled_quantity"),
            scheduled_from=row.pop("main__scheduled_from"),
        )
        row["main_id"] = row.pop("main__id")
        row["licenses"] = main.current_quantity(today)
        yield row


def export_records(partner: Partner, statuses: Iterable[str] | None = None) -> Iterator[dict]:
    """The partner's clients (only those in `statuses`, if given) as CSV records, by id."""
    today = timezone.localdate()
    clients = partner.clients.all()
    if statuses:
        clients = clients.filter(statuses_q(statuses, today))
    return (record_of(facts) for facts in client_facts(clients, today))


def write_csv(records: Iterable[dict], stream, delimiter: str = ";") -> int:
    """Write the header and one row per record to `stream`; returns the number of rows."""
    writer = csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(HEADER)
    count = 0
    for record in records:
        writer.writerow(render_record(record))
        count += 1
    return count
