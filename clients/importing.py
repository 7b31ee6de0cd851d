"""Import a partner's clients from a CSV file (`manage.py import_clients`).

Every row is validated before anything is written; if any row is invalid, nothing is. Then
one transaction creates the new clients (each with its main license and, for Link, a
registration code), updates the existing ones (same partner, CPF/CNPJ and product) and
writes one history event per created or updated client. Rows that change nothing are left
alone, so importing the same file twice changes nothing the second time.

An empty cell of an optional column means "not given": a new client gets the default, an
existing one keeps its value. `licencas` is the main count in force today; changing it
applies at once and drops a scheduled reduction. `suspenso`, `pendente` and `oculto` set
or clear the facts the status derives from (`oculto` only where clients.status says the
client is Inativo).

Writes are bulk: on PostgreSQL each table gets one COPY per batch (and updates go through a
temporary table and one UPDATE ... FROM), elsewhere Django's bulk_create/bulk_update. The
measured time of 100,000 rows is in README.md, "Operations".
"""

import csv
import io
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import IntegrityError, connection, transaction
from django.db.models import JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from clients.csv_columns import CLIENT_FIELDS, COLUMNS, COLUMNS_BY_KEY, REQUIRED, header_key
from clients.exporting import client_facts
from clients.models import (
    Client,
    ClientEvent,
    License,
    Module,
    Partner,
    Product,
    RegistrationCode,
    Renewal,
)
from clients.municipalities import canonical_city
from clients.services import DUPLICATE_REASON, snapshot
from clients.status import Status, client_status

ACTOR_LABEL = "importação"
DEFAULT_PENDING_REASON = "Marcado como pendente na importação."
BATCH_SIZE = 5000
# A new client's facts before its row is applied.
NEW_CLIENT = {
    "renewal": Renewal.MANUAL,
    "suspended_at": None,
    "pending_since": None,
    "pending_reason": "",
    "hidden_at": None,
}
COLUMN_OF_FIELD = {column.field: column.name for column in COLUMNS}

Progress = Callable[[str, int, int], None]


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, no header, missing columns)."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self):
        return f"linha {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self):
        return f"linha {self.line}: {self.message}"


@dataclass(frozen=True)
class Change:
    """What a row would do (reported by --dry-run)."""

    line: int
    kind: str  # "criar" | "atualizar"
    name: str
    document: str
    product: str
    columns: tuple[str, ...] = ()  # the columns that change an existing client


@dataclass
class ImportReport:
    encoding: str = ""
    delimiter: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # filled by dry runs
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False


@dataclass(slots=True)
class _Plan:
    line: int
    facts: dict  # the client's CLIENT_FIELDS after the import
    licenses: int  # its main count after the import
    current: dict | None = None  # client_facts() of the existing client; None: a new one
    changed: tuple[str, ...] = ()  # CLIENT_FIELDS that change, plus "licenses"


# --- reading ----------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the encoding it was in: UTF-8 (BOM or not) or Windows-1252."""
    if b"\x00" in data:
        raise ImportFileError(
            "arquivo ilegível: não é um CSV de texto (uma planilha .xlsx ou UTF-16?); "
            "salve-o como CSV em UTF-8 ou Windows-1252"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8 com BOM"
        except UnicodeDecodeError:
            raise ImportFileError("arquivo ilegível: tem BOM de UTF-8 mas não é UTF-8") from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise ImportFileError(
            "arquivo ilegível: a codificação não é UTF-8 nem Windows-1252"
        ) from None


def sniff_delimiter(header_line: str) -> str:
    """';' or ',', whichever the header uses more (a one-column header: ',')."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


@dataclass
class _Header:
    delimiter: str
    width: int  # cells in the header
    positions: dict[str, int]  # column name -> position
    ignored: list[str]  # header cells that are not columns of ours


def read_table(text: str) -> tuple[_Header, Iterator[tuple[int, list[str]]]]:
    """The header, and the data rows as (line number, cells), blank rows left out."""
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise ImportFileError("o arquivo está vazio ou não tem a linha de cabeçalho", line=1)
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        cells = next(reader)
    except csv.Error as error:
        raise ImportFileError(f"arquivo ilegível: {error}", line=1) from None
    positions, ignored = _read_header(cells)
    return _Header(delimiter, len(cells), positions, ignored), _data_rows(reader)


def _data_rows(reader) -> Iterator[tuple[int, list[str]]]:
    line = reader.line_num + 1  # where the next record starts (a quoted cell may span lines)
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFileError(f"arquivo ilegível: {error}", line=line) from None


def _read_header(cells: list[str]) -> tuple[dict[str, int], list[str]]:
    positions: dict[str, int] = {}
    ignored: list[str] = []
    for position, title in enumerate(cells):
        column = COLUMNS_BY_KEY.get(header_key(title))
        if column is None:
            if title.strip():
                ignored.append(title.strip())
            continue
        if column.name in positions:
            raise ImportFileError(
                f"a coluna “{column.name}” aparece duas vezes no cabeçalho", line=1
            )
        positions[column.name] = position
    missing = [name for name in REQUIRED if name not in positions]
    if missing:
        raise ImportFileError(
            f"faltam colunas obrigatórias no cabeçalho: {', '.join(missing)} "
            f"(as obrigatórias são {', '.join(REQUIRED)})",
            line=1,
        )
    return positions, ignored


def parse_row(cells: list[str], header: _Header) -> tuple[dict, list[str]]:
    """(column name → value, problems) for one data row; a column left empty is absent."""
    if len(cells) != header.width:
        return {}, [f"a linha tem {len(cells)} colunas e o cabeçalho tem {header.width}"]
    values, problems = {}, []
    for column in COLUMNS:
        position = header.positions.get(column.name)
        if position is None:
            continue
        cell = cells[position].strip()
        if not cell:
            if column.blank:
                values[column.name] = ""
            elif column.required:
                problems.append(f"{column.name}: obrigatório, está vazio")
            continue
        try:
            values[column.name] = column.parse(cell)
        except ValueError as error:
            problems.append(f"{column.name}: {error}")
    if "uf" in values and "cidade" in values:
        city = canonical_city(values["uf"], values["cidade"])
        if city is None:
            problems.append(f"cidade: “{values['cidade']}” não é um município de {values['uf']}")
        else:
            values["cidade"] = city
    return values, problems


# --- merging a row into a client ----------------------------------------------------------


def merge(values: dict, current: dict | None, now, today) -> dict:
    """The CLIENT_FIELDS a row asks for, over `current` (client_facts; None: a new client).

    A flag newly set gets `now`; one already set keeps its time; "não" clears it.
    """
    facts = dict(current) if current else {**NEW_CLIENT, "registered_on": today}
    for column in COLUMNS:
        if column.name not in values or column.field == "licenses":
            continue
        value = values[column.name]
        if column.flag:
            facts[column.field] = (facts[column.field] or now) if value else None
        else:
            facts[column.field] = value
    if facts["pending_since"] is None:
        facts["pending_reason"] = ""
    elif not facts["pending_reason"]:
        facts["pending_reason"] = DEFAULT_PENDING_REASON
    return {name: facts[name] for name in CLIENT_FIELDS}


def _hidden_problem(facts: dict, today) -> str | None:
    # The rule lives in clients.status (as in Client.clean): only an Inativo client is hidden.
    if facts["hidden_at"] is None:
        return None
    would_be = client_status(SimpleNamespace(**facts), today, ignore_hidden=True)
    if would_be == Status.INATIVO:
        return None
    return (
        "oculto: só um cliente Inativo pode ser ocultado; com vencimento "
        f"{facts['expires_on']:%d/%m/%Y} este cliente fica {would_be.label}"
    )


def _plan(values: dict, current: dict | None, line: int, now, today) -> _Plan | None:
    """What to do with one valid row; None when it changes nothing."""
    facts = merge(values, current, now, today)
    if current is None:
        return _Plan(line, facts, values.get("licencas", 1))
    changed = tuple(name for name in CLIENT_FIELDS if facts[name] != current[name])
    licenses = values.get("licencas", current["licenses"])
    if licenses != current["licenses"] or (current["main_id"] is None and "licencas" in values):
        changed += ("licenses",)
    if not changed:
        return None
    return _Plan(line, facts, licenses, current, changed)


# --- the import ---------------------------------------------------------------------------


def import_clients(
    *,
    partner: Partner,
    data: bytes,
    dry_run: bool = False,
    source: str = "",
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row of `data`, then write them all in one transaction — or nothing.

    Raises ImportFileError when the file as a whole is unusable; row problems are returned
    in `report.errors`, and then nothing is written.
    """
    progress = progress or (lambda stage, done, total: None)
    report = ImportReport()
    text, report.encoding = decode(data)
    header, data_rows = read_table(text)
    report.delimiter, report.ignored_columns = header.delimiter, header.ignored
    # Data lines, for the progress bar only (a quoted cell may span lines).
    estimate = max(text.count("\n") - text.endswith("\n"), 1)

    rows, seen = [], {}
    for line, cells in data_rows:
        report.rows += 1
        values, problems = parse_row(cells, header)
        if not problems:
            key = (values["cpf_cnpj"], values["produto"])
            if key in seen:
                problems = [f"cpf_cnpj e produto repetidos: já aparecem na linha {seen[key]}"]
            else:
                seen[key] = line
                rows.append((line, values))
        report.errors.extend(RowError(line, problem) for problem in problems)
        if report.rows % 1000 == 0:
            progress("validando", min(report.rows, estimate), estimate)
    progress("validando", estimate, estimate)

    try:
        with transaction.atomic():
            plans = _compare(partner, rows, report)
            if dry_run:
                report.changes = _changes(plans)
            if report.errors or dry_run:
                return report
            note = f"Importação de {source}"[:300] if source else "Importação de arquivo CSV"
            _write(partner, plans, note, progress)
            report.written = True
    except IntegrityError:
        raise ImportFileError(
            "outro processo gravou um cliente com o mesmo CPF/CNPJ e produto durante a "
            "importação; rode a importação de novo"
        ) from None
    return report


def _registered_elsewhere(partner: Partner, rows, chunk=5000) -> set[tuple[str, str]]:
    """(CPF/CNPJ, product) pairs of the file that another partner already has."""
    documents = sorted({values["cpf_cnpj"] for _, values in rows})
    found = set()
    for start in range(0, len(documents), chunk):
        found.update(
            Client.objects.exclude(partner=partner)
            .filter(cpf_cnpj__in=documents[start : start + chunk])
            .values_list("cpf_cnpj", "product")
        )
    return found


def _compare(partner: Partner, rows, report: ImportReport) -> list[_Plan]:
    """Plans for the rows that create or change a client; counts and problems in `report`."""
    # Imports into one partner wait for each other, so each sees the other's clients.
    list(Partner.objects.select_for_update().filter(pk=partner.pk).values_list("pk"))
    now, today = timezone.now(), timezone.localdate()
    existing = {
        (facts["cpf_cnpj"], facts["product"]): facts
        for facts in client_facts(Client.objects.filter(partner=partner), today)
    }
    elsewhere = _registered_elsewhere(partner, rows)
    plans = []
    for line, values in rows:
        key = (values["cpf_cnpj"], values["produto"])
        current = existing.get(key)
        plan = _plan(values, current, line, now, today)
        if plan is not None and current is None and key in elsewhere:
            # As in services.client_register: another partner has it, the vendor reviews it.
            plan.facts["pending_since"] = plan.facts["pending_since"] or now
            plan.facts["pending_reason"] = DUPLICATE_REASON
        if plan is None:
            report.unchanged += 1
        elif problem := _hidden_problem(plan.facts, today):
            report.errors.append(RowError(line, problem))
        else:
            plans.append(plan)
            if plan.current is None:
                report.created += 1
            else:
                report.updated += 1
    report.errors.sort(key=lambda error: error.line)
    return plans


def _changes(plans: list[_Plan]) -> list[Change]:
    return [
        Change(
            line=plan.line,
            kind="criar" if plan.current is None else "atualizar",
            name=plan.facts["name"],
            document=Client(cpf_cnpj=plan.facts["cpf_cnpj"]).cpf_cnpj_display,
            product=Product(plan.facts["product"]).label,
            columns=tuple(COLUMN_OF_FIELD[name] for name in plan.changed),
        )
        for plan in plans
    ]


# --- writing ------------------------------------------------------------------------------


def _history(client, licenses) -> dict:
    return {**snapshot(client), "licenses": licenses}


def _event(client: Client, action: str, before: dict, after: dict, note: str) -> ClientEvent:
    # The row clients.services.record_event writes for an actor without a user, built unsaved
    # so that 100,000 of them go in a few statements instead of 100,000 INSERTs.
    return ClientEvent(
        client=client,
        actor=None,
        actor_label=ACTOR_LABEL,
        action=action,
        before=before,
        after=after,
        note=note,
    )


def _write(partner: Partner, plans: list[_Plan], note: str, progress: Progress) -> None:
    now = timezone.now()
    for done, chunk in enumerate(itertools.batched(plans, BATCH_SIZE)):
        creates = [plan for plan in chunk if plan.current is None]
        updates = [plan for plan in chunk if plan.current is not None]
        events = _write_creates(partner, creates, note, now)
        events += _write_updates(updates, note, now)
        _insert(ClientEvent, events)
        progress("gravando", min((done + 1) * BATCH_SIZE, len(plans)), len(plans))


def _write_creates(partner, plans, note, now) -> list[ClientEvent]:
    clients = [Client(partner=partner, updated_at=now, **plan.facts) for plan in plans]
    _insert(Client, clients)
    _insert(
        License,
        [
            License(client=client, module=Module.MAIN, quantity=plan.licenses)
            for client, plan in zip(clients, plans, strict=True)
        ],
    )
    _insert(
        RegistrationCode,
        [
            RegistrationCode(client=client, partner_id=client.partner_id)
            for client in clients
            if client.product == Product.LINK
        ],
    )
    return [
        _event(client, "criar", {}, _history(client, plan.licenses), note)
        for client, plan in zip(clients, plans, strict=True)
    ]


def _write_updates(plans, note, now) -> list[ClientEvent]:
    by_fields, mains, new_mains, events = defaultdict(list), [], [], []
    for plan in plans:
        client = Client(id=plan.current["id"], updated_at=now, **plan.facts)
        fields = frozenset(plan.changed) - {"licenses"}
        if fields:
            by_fields[fields].append(client)
        if "licenses" in plan.changed:
            main_id = plan.current["main_id"]
            main = License(id=main_id, client=client, module=Module.MAIN, quantity=plan.licenses)
            (mains if main_id is not None else new_mains).append(main)
        before = _history(SimpleNamespace(**plan.current), plan.current["licenses"])
        events.append(_event(client, "atualizar", before, _history(client, plan.licenses), note))
    # One statement per set of changed fields: an import usually changes the same one or two
    # columns on every row, and a field nobody changed is never written.
    for fields, clients in by_fields.items():
        _update(Client, clients, [*sorted(fields), "updated_at"])
    _update(License, mains, ["quantity", "scheduled_quantity", "scheduled_from"])
    _insert(License, new_mains)
    return events


def _insert(model, objects: list) -> None:
    """INSERT `objects` and set their primary keys.

    PostgreSQL: the keys come from the table's sequence, the rows go in with one COPY (several
    times faster than bulk_create's INSERTs). Elsewhere: bulk_create.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
        columns = ", ".join(quote(field.column) for field in [meta.pk, *fields])
        with cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([obj.pk, *(_copy_value(field, obj, add=True) for field in fields)])


def _update(model, objects: list, field_names: list[str]) -> None:
    """UPDATE `field_names` of `objects`, matched by primary key.

    PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM. Elsewhere: bulk_update.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_update(objects, field_names, batch_size=BATCH_SIZE)
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    table, temporary = quote(meta.db_table), quote(f"import_{meta.db_table}")
    columns = [quote(field.column) for field in [meta.pk, *fields]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} AS "
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {temporary} ({', '.join(columns)}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([obj.pk, *(_copy_value(field, obj) for field in fields)])
        assignments = ", ".join(f"{column} = new.{column}" for column in columns[1:])
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {temporary} AS new "
            f"WHERE {table}.{columns[0]} = new.{columns[0]}"
        )
        cursor.execute(f"DROP TABLE {temporary}")


def _copy_value(field, obj, add=False):
    value = field.pre_save(obj, add) if add else getattr(obj, field.attname)
    return Jsonb(value) if isinstance(field, JSONField) and value is not None else value
