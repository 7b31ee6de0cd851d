"""The exports: a partner's clients in the import's columns (`manage.py export_clients`) and
the Clientes list as CSV or XLSX (`?_export=csv|xlsx`, Exportar seleção).

The database writes each cell: every column is an SQL expression giving the cell as the file
shows it — dates dd/mm/aaaa, CPF/CNPJ formatted, products and statuses by their pt-BR labels
(the status rule's SQL twin), sim/não, counts in force — so that Python only passes
`values_list` tuples, a chunk at a time, to one csv writer (`csv_text`). Rows are read in
chunks (`read_chunks`: a server-side cursor, or keyset chunks behind a pooler in transaction
mode), never built as a list, so memory does not grow with the partner's size. Measured
against a `COPY (SELECT …) TO STDOUT` of the same columns by `make bench` (README, "Speed").

An export re-imports to the same state: both directions go through `clients.transfer.columns`,
and the import compares the file with `client_facts`.
"""

import csv
import io
import itertools
import tempfile
from collections.abc import Iterable, Iterator
from types import SimpleNamespace

from django.db import connections
from django.db.models import Case, CharField, F, FilteredRelation, Func, Q, Value, When
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from clients.domain.documents import DocumentText
from clients.domain.modules import ON_OFF_MODULES
from clients.domain.quantities import pending_reduction
from clients.domain.status import status_expression, statuses_q
from clients.models import License, Module, Product
from clients.transfer.columns import (
    CLIENT_FIELDS,
    COLUMNS,
    FILE_MODULES,
    HEADER,
    LICENSE_FIELDS,
    DateText,
    switch_text,
)
from partners.models import Partner

CHUNK_SIZE = 2000
# What Excel in Portuguese opens in columns: ";" between cells, UTF-8 marked by a BOM.
DELIMITER = ";"
BOM = "\ufeff"
CSV, XLSX = "csv", "xlsx"
EXPORT_FORMATS = (CSV, XLSX)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_writer(stream, delimiter: str = DELIMITER):
    """The one CSV dialect of the portal's files (the list's export and export_clients)."""
    return csv.writer(stream, delimiter=delimiter, lineterminator="\r\n")


def csv_text(
    header: list[str], chunks: Iterable[Iterable], delimiter: str = DELIMITER, bom: bool = True
) -> Iterator[str]:
    """A CSV file as pieces of text, one per chunk of rows (the header first): the one
    writer of the portal's CSV files."""
    buffer = io.StringIO()
    writer = csv_writer(buffer, delimiter)
    writer.writerow(header)
    yield (BOM if bom else "") + buffer.getvalue()
    for chunk in chunks:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(chunk)
        yield buffer.getvalue()


# Reading -----------------------------------------------------------------------------------


def read_chunks(queryset, fields, chunk_size: int = CHUNK_SIZE) -> Iterator[list[tuple]]:
    """The `fields` of each row of the ordered `queryset` (its ordering must end with a unique
    field, e.g. pk), as tuples, in lists of up to `chunk_size` rows.

    A server-side cursor (`iterator()`) where there are server-side cursors; where they are
    off (DATABASE_POOLER=transaction: a cursor cannot outlive its transaction there), one
    query per chunk that starts after the last row read (keyset: WHERE (order) > (last)
    ORDER BY order LIMIT n), so that each chunk is an indexed range, not an OFFSET."""
    fields = list(fields)
    if not connections[queryset.db].settings_dict.get("DISABLE_SERVER_SIDE_CURSORS"):
        rows = queryset.values_list(*fields).iterator(chunk_size=chunk_size)
        yield from itertools.batched(rows, chunk_size)
        return
    order = [str(name) for name in queryset.query.order_by]
    keys = [name.removeprefix("-") for name in order]
    extra = [key for key in keys if key not in fields]
    names = fields + extra
    position = {key: names.index(key) for key in keys}
    last = None
    while True:
        page = queryset if last is None else queryset.filter(_after(order, last))
        rows = list(page.values_list(*names)[:chunk_size])
        if rows:
            yield [row[: len(fields)] for row in rows] if extra else rows
        if len(rows) < chunk_size:
            return
        last = {key: rows[-1][position[key]] for key in keys}


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


def client_facts(clients, today=None, pending: bool = False) -> Iterator[dict]:
    """For each client of the queryset, by id: its `id`, its CLIENT_FIELDS, the counts in
    force `today` of its LICENSE_FIELDS (`licenses`: the main count; 0 for a module it does
    not have) and `license_ids` (module → its License's id, None where there is none); with
    `pending`, also `pending` (LICENSE_FIELDS' name → (count, from) of a reduction that has
    not taken effect yet, clients.domain.quantities.pending_reduction). One query. (What the
    import compares a file with.)
    """
    today = today or timezone.localdate()
    modules = list(LICENSE_FIELDS.values())
    queryset = with_licenses(clients, modules, today).order_by("pk")
    names = [
        "id",
        *CLIENT_FIELDS,
        *LICENSE_FIELDS,
        *(f"license_{module}__id" for module in modules),
    ]
    fields = [
        "id",
        *CLIENT_FIELDS,
        *(f"license_{module}_in_force" for module in modules),
        *(f"license_{module}__id" for module in modules),
    ]
    ids = len(names) - len(modules)
    if pending:
        fields += [
            f"license_{module}__{name}"
            for module in modules
            for name in ("scheduled_quantity", "scheduled_from")
        ]
    for chunk in read_chunks(queryset, fields):
        for row in chunk:
            facts = dict(zip(names[:ids], row, strict=False))
            facts["license_ids"] = dict(zip(modules, row[ids : len(names)], strict=True))
            if pending:
                scheduled = row[len(names) :]
                facts["pending"] = {
                    field: reduction
                    for field, quantity, since in zip(
                        LICENSE_FIELDS, scheduled[::2], scheduled[1::2], strict=True
                    )
                    if (
                        reduction := pending_reduction(
                            SimpleNamespace(scheduled_quantity=quantity, scheduled_from=since),
                            today,
                        )
                    )
                }
            yield facts


# export_clients ----------------------------------------------------------------------------


def export_query(partner: Partner, statuses: Iterable[str] | None = None):
    """(queryset, fields): the partner's clients (only those in `statuses`, if given), by id,
    each with a cell per import column (HEADER), written by the database."""
    today = timezone.localdate()
    clients = partner.clients.all()
    if statuses:
        clients = clients.filter(statuses_q(statuses, today))
    clients = with_licenses(clients, [c.module for c in COLUMNS if c.module], today)
    cells = {
        f"cell_{column.name}": column.sql(
            F(f"license_{column.module}_in_force" if column.module else column.field)
        )
        for column in COLUMNS
    }
    return clients.annotate(**cells).order_by("pk"), list(cells)


def export_rows(partner: Partner, statuses: Iterable[str] | None = None):
    """export_query's rows, in chunks (for write_csv)."""
    return read_chunks(*export_query(partner, statuses))


def write_csv(chunks, stream, delimiter: str = DELIMITER, bom: bool = False) -> int:
    """Write the import's HEADER and the `chunks` of rows to `stream`; the number of rows."""
    count = 0

    def counted():
        nonlocal count
        for chunk in chunks:
            count += len(chunk)
            yield chunk

    for text in csv_text(HEADER, counted(), delimiter, bom):
        stream.write(text)
    return count


# The Clientes list's export ------------------------------------------------------------------


class SpreadsheetText(Func):
    """Free text as a spreadsheet reads it: a leading =, +, - or @ would start a formula (CSV
    injection), and so may a leading tab or carriage return (some spreadsheets skip them before
    the formula), so such a cell gets the apostrophe that marks it as text. (For a column; the
    tab and carriage return reach the SQL literal as such.)"""

    template = (
        "CASE WHEN SUBSTR(%(expressions)s, 1, 1) IN ('=', '+', '-', '@', '\t', '\r') "
        "THEN '''' || %(expressions)s ELSE %(expressions)s END"
    )
    output_field = CharField()
    arity = 1


def choice_label(field: str, choices) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(label)) for value, label in choices.choices),
        default=F(field),
        output_field=CharField(),
    )


def list_columns(today) -> list[tuple[str, object]]:
    """The list's export: its columns (header, cell) — the screen's, then the counts in force
    of the auxiliary modules of the files."""
    columns = [
        ("ID", F("pk")),
        ("Nome", SpreadsheetText("name")),
        ("CPF/CNPJ", DocumentText("cpf_cnpj")),
        ("Data de cadastro", DateText("registered_on")),
        ("Produto", choice_label("product", Product)),
        ("Vencimento", DateText("expires_on")),
        ("Status", status_expression(today, labels=True)),
    ]
    for module in FILE_MODULES:
        count = F(f"license_{module}_in_force")
        columns.append(
            (Module(module).label, switch_text(count) if module in ON_OFF_MODULES else count)
        )
    return columns


class ListExport:
    """The Clientes list (filtered and ordered as on the screen) as a download, in flat
    memory: CSV streamed as it is read, XLSX written row by row by openpyxl's write-only
    workbook into a temporary file."""

    def __init__(self, clients, export_format: str, today=None):
        if export_format not in EXPORT_FORMATS:
            raise ValueError(f"Unsupported export format: {export_format}")
        today = today or timezone.localdate()
        self.format = export_format
        columns = list_columns(today)
        self.header = [header for header, _ in columns]
        cells = {f"cell_{number}": cell for number, (_, cell) in enumerate(columns)}
        clients = with_licenses(clients.prefetch_related(None), FILE_MODULES, today)
        self.queryset = clients.annotate(**cells)
        self.fields = list(cells)

    def chunks(self):
        return read_chunks(self.queryset, self.fields)

    def response(self, filename: str):
        if self.format == CSV:
            response = StreamingHttpResponse(
                csv_text(self.header, self.chunks()), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return FileResponse(
            self._xlsx_file(), as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )

    def _xlsx_file(self):
        file = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it
        self._write_xlsx(file, lambda done: None)
        file.seek(0)
        return file

    def _write_xlsx(self, file, progress) -> int:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Clientes")
        sheet.append(self.header)
        count = 0
        for chunk in self.chunks():
            for row in chunk:
                sheet.append(row)
            count += len(chunk)
            progress(count)
        workbook.save(file)
        return count

    def write(self, file, progress=None) -> int:
        """The whole file into the binary `file` (a job's export), the same bytes the
        response sends; `progress(rows)` after each chunk. The number of rows."""
        progress = progress or (lambda done: None)
        if self.format != CSV:
            return self._write_xlsx(file, progress)
        count = 0

        def counted():
            nonlocal count
            for chunk in self.chunks():
                yield chunk
                count += len(chunk)
                progress(count)

        for text in csv_text(self.header, counted()):
            file.write(text.encode("utf-8"))
        return count
