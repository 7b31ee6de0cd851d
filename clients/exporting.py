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

from clients.csv_columns import CLIENT_FIELDS, HEADER, LICENSE_FIELDS, record_of, render_record
from clients.models import License, Partner
from clients.status import statuses_q

CHUNK_SIZE = 2000
# What Excel in Portuguese opens in columns: ";" between cells, UTF-8 marked by a BOM.
DELIMITER = ";"
BOM = "\ufeff"


def csv_writer(stream, delimiter: str = DELIMITER):
    """The one CSV dialect of the portal's files (the list's export and export_clients)."""
    return csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")


def csv_lines(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """A CSV file as lines of text, BOM first, for a streamed download."""
    writer = csv_writer(_Line())
    yield BOM + writer.writerow(header)
    for row in rows:
        yield writer.writerow(row)


class _Line:
    """A file-like object for csv.writer that hands each written line back."""

    def write(self, value):
        return value


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


def with_licenses(clients, modules, today):
    """The clients with `license_<module>_in_force` for each of `modules`: the count in
    force `today` (0 without that module), by one join each (`license_<module>`)."""
    relations, counts = {}, {}
    for module in modules:
        relation = f"license_{module}"
        relations[relation] = FilteredRelation("licenses", condition=Q(licenses__module=module))
        counts[f"{relation}_in_force"] = License.quantity_in_force(f"{relation}__", today)
    return clients.annotate(**relations).annotate(**counts)


def client_facts(clients, today=None) -> Iterator[dict]:
    """For each client of the queryset, by id: its `id`, its CLIENT_FIELDS, the counts in
    force `today` of its LICENSE_FIELDS (`licenses`: the main count; 0 for a module it does
    not have) and `license_ids` (module → its License's id, None where there is none).
    One query.
    """
    today = today or timezone.localdate()
    modules = LICENSE_FIELDS.values()
    queryset = with_licenses(clients, modules, today).order_by("pk")
    counts = [f"license_{module}_in_force" for module in modules]
    ids = [f"license_{module}__id" for module in modules]
    for row in read_in_chunks(queryset, ["id", *CLIENT_FIELDS, *counts, *ids]):
        for field, module in LICENSE_FIELDS.items():
            row[field] = row.pop(f"license_{module}_in_force")
        row["license_ids"] = {module: row.pop(f"license_{module}__id") for module in modules}
        yield row


def export_records(partner: Partner, statuses: Iterable[str] | None = None) -> Iterator[dict]:
    """The partner's clients (only those in `statuses`, if given) as CSV records, by id."""
    today = timezone.localdate()
    clients = partner.clients.all()
    if statuses:
        clients = clients.filter(statuses_q(statuses, today))
    return (record_of(facts) for facts in client_facts(clients, today))


def write_csv(records: Iterable[dict], stream, delimiter: str = DELIMITER) -> int:
    """Write the header and one row per record to `stream`; returns the number of rows."""
    writer = csv_writer(stream, delimiter)
    writer.writerow(HEADER)
    count = 0
    for record in records:
        writer.writerow(render_record(record))
        count += 1
    return count
