"""Export a partner's clients as CSV (`manage.py export_clients`), in the import's columns.

Rows are streamed from the database in chunks (`iterator()`), never built as a list, so the
memory used does not grow with the partner's size. An export re-imports to the same state:
both directions go through `clients.csv_columns`, and the import compares the file with the
same `client_facts` this module exports.
"""

import csv
from collections.abc import Iterable, Iterator

from django.db.models import FilteredRelation, Q
from django.utils import timezone

from clients.csv_columns import CLIENT_FIELDS, HEADER, record_of, render_record
from clients.models import License, Module, Partner
from clients.status import statuses_q

CHUNK_SIZE = 2000


def client_facts(clients, today=None) -> Iterator[dict]:
    """For each client of the queryset, by id: its `id`, its CLIENT_FIELDS, `main_id` (its
    main license, or None) and `licenses` (the main count in force `today`). One query.
    """
    today = today or timezone.localdate()
    rows = (
        clients.annotate(
            main=FilteredRelation("licenses", condition=Q(licenses__module=Module.MAIN))
        )
        .order_by("pk")
        .values(
            "id",
            *CLIENT_FIELDS,
            "main__id",
            "main__quantity",
            "main__scheduled_quantity",
            "main__scheduled_from",
        )
        .iterator(chunk_size=CHUNK_SIZE)
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
