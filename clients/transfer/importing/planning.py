"""Planning the import: what each valid row does to the partner's clients, by the same rule
functions as clients.services (duplicate → Pendente, only an Inativo client is hidden).

The clients the file names are locked first (in id order) and only then read, so that what
the plan compares with cannot change before the import commits: a portal action on one of them
waits for the import, and then re-checks its own rule on what the import wrote.
"""

import csv
import io
import re
from dataclasses import dataclass
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, F, IntegerField
from django.db.models.expressions import RawSQL
from django.utils import timezone

from clients.domain.modules import validate_quantities
from clients.domain.status import HIDE_ONLY_INACTIVE, client_status, duplicate_facts, may_be_hidden
from clients.models import Client, Module, Product, Renewal
from clients.transfer.columns import CLIENT_FIELDS, COLUMN_OF_FIELD, COLUMNS, LICENSE_FIELDS
from clients.transfer.exporting import client_facts, export_query
from clients.transfer.importing.limits import credit_problems, schedule
from clients.transfer.importing.reading import RowError
from partners.models import Partner
from portal.copying import load_rows

DEFAULT_PENDING_REASON = "Marcado como pendente na importação."
# A new client's facts before its row is applied.
NEW_CLIENT = {
    "renewal": Renewal.MANUAL,
    "suspended_at": None,
    "pending_since": None,
    "pending_reason": "",
    "hidden_at": None,
}


@dataclass(frozen=True)
class Change:
    """What a row would do (reported by --dry-run)."""

    line: int
    kind: str  # "criar" | "atualizar"
    name: str
    document: str
    product: str
    columns: tuple[str, ...] = ()  # the columns that change an existing client


@dataclass(slots=True)
class Plan:
    line: int
    facts: dict  # the client's CLIENT_FIELDS after the import
    counts: dict  # its LICENSE_FIELDS' counts after the import (`licenses`: the main count)
    current: dict | None = None  # client_facts() of the existing client; None: a new one
    changed: tuple[str, ...] = ()  # CLIENT_FIELDS and LICENSE_FIELDS that change
    # The partner's import, an existing client: license field → (quantity, scheduled_quantity,
    # scheduled_from) to write for each count it changes (limits.schedule). None: the counts
    # as they are, at once.
    schedule: dict | None = None


def merge(values: dict, current: dict | None, now, today) -> dict:
    """The CLIENT_FIELDS a row asks for, over `current` (client_facts; None: a new client).

    A flag newly set gets `now`; one already set keeps its time; "não" clears it.
    """
    facts = dict(current) if current else {**NEW_CLIENT, "registered_on": today}
    for column in COLUMNS:
        if column.name not in values or column.module:
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


def hidden_problem(facts: dict, today) -> str | None:
    """The row's problem when it would leave a client Oculto that is not Inativo."""
    if facts["hidden_at"] is None:
        return None
    client = SimpleNamespace(**facts)
    if may_be_hidden(client, today):
        return None
    would_be = client_status(client, today, ignore_hidden=True)
    return (
        f"oculto: {HIDE_ONLY_INACTIVE[0].lower()}{HIDE_ONLY_INACTIVE[1:-1]}; com vencimento "
        f"{facts['expires_on']:%d/%m/%Y} este cliente fica {would_be.label}"
    )


def merge_counts(values: dict, current: dict | None) -> dict:
    """The LICENSE_FIELDS' counts a row asks for, over `current` (None: a new client, one
    main license and no module)."""
    counts = {}
    for column in COLUMNS:
        if column.module:
            default = current[column.field] if current else int(column.module == Module.MAIN)
            counts[column.field] = values.get(column.name, default)
    return counts


def plan_row(values: dict, current: dict | None, line: int, now, today) -> Plan | None:
    """What to do with one valid row; None when it changes nothing. A count equal to the one
    of a pending reduction (`current["pending"]`, the partner's import) changes nothing either."""
    facts, counts = merge(values, current, now, today), merge_counts(values, current)
    if current is None:
        return Plan(line, facts, counts)
    changed = tuple(name for name in CLIENT_FIELDS if facts[name] != current[name])
    pending = current.get("pending", ())
    for field, module in LICENSE_FIELDS.items():
        # A client without its main license gets one when the file gives `licencas`.
        missing = module == Module.MAIN and current["license_ids"][module] is None
        count = counts[field]
        if (count != current[field] and (field not in pending or count != pending[field][0])) or (
            missing and COLUMN_OF_FIELD[field] in values
        ):
            changed += (field,)
    if not changed:
        return None
    return Plan(line, facts, counts, current, changed)


def licenses_problem(plan: Plan) -> str | None:
    """The row's problem when its license counts break a licensing rule (clients.domain.quantities):
    a Link module on a Navi client."""
    quantities = {LICENSE_FIELDS[field]: count for field, count in plan.counts.items()}
    try:
        validate_quantities(plan.facts["product"], quantities)
    except ValidationError as error:
        module, messages = next(iter(error.message_dict.items()))
        column = COLUMN_OF_FIELD[next(f for f, m in LICENSE_FIELDS.items() if m == module)]
        return f"{column}: {messages[0].rstrip('.')}"
    return None


# The file's (CPF/CNPJ, product) pairs, in a temporary table for the set-based queries below
# (locking, reading the existing clients, finding duplicates): one statement each, whatever
# the size of the file.
KEYS_TABLE = "import_key"


KEY_COLUMNS = (
    ("line", IntegerField()),
    ("cpf_cnpj", Client._meta.get_field("cpf_cnpj")),
    ("product", Client._meta.get_field("product")),
)


def stage_keys(rows) -> None:
    """Load the (line, CPF/CNPJ, product) of `rows` into KEYS_TABLE, for `compare`."""
    quote = connection.ops.quote_name
    definitions = ", ".join(f"{name} {field.db_type(connection)}" for name, field in KEY_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(KEYS_TABLE)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(KEYS_TABLE)} ({definitions})")
        keys = ((line, values["cpf_cnpj"], values["produto"]) for line, values in rows)
        load_rows(cursor, KEYS_TABLE, KEY_COLUMNS, keys)


def _matching_keys(partner: Partner, *, same_partner: bool) -> RawSQL:
    """The ids of the clients (of `partner`, or of every other partner) whose CPF/CNPJ and
    product the staged file names."""
    quote = connection.ops.quote_name
    table = quote(Client._meta.db_table)
    return RawSQL(
        f"SELECT c.id FROM {table} c JOIN {quote(KEYS_TABLE)} k "
        f"ON c.cpf_cnpj = k.cpf_cnpj AND c.product = k.product "
        f"WHERE c.partner_id {'=' if same_partner else '<>'} %s",
        [partner.pk],
    )


def named_clients(partner: Partner):
    """The partner's clients the staged file names."""
    return Client.objects.filter(pk__in=_matching_keys(partner, same_partner=True))


def _registered_elsewhere(partner: Partner) -> set[tuple[str, str]]:
    """(CPF/CNPJ, product) pairs of the file that another partner already has."""
    return set(
        Client.objects.filter(pk__in=_matching_keys(partner, same_partner=False)).values_list(
            "cpf_cnpj", "product"
        )
    )


def lock_named_clients(partner: Partner) -> None:
    """Lock, in id order, the partner's clients the staged file names (CPF/CNPJ and product),
    until the import's transaction ends. Always in id order, as a portal action locks its one
    row, so two writers never wait for each other in a circle."""
    list(named_clients(partner).select_for_update().order_by("pk").values_list("pk"))


def lock_partner(partner: Partner) -> None:
    """Imports into one partner wait for each other, so each sees the other's clients (taken
    first, before the file is compared with the partner's clients)."""
    list(Partner.objects.select_for_update().filter(pk=partner.pk).values_list("pk"))


@dataclass(frozen=True)
class Unchanged:
    lines: set[int]  # the lines written as the export writes their client (when not every_row)
    every_row: bool  # every data row of the file is one of them, each client named once
    rows: int = 0  # the file's data rows, when every_row


def unchanged_lines(partner: Partner, header, text: str) -> Unchanged | None:
    """PostgreSQL: the lines of the file written exactly as the export writes, in the file's
    order of columns, a client of the partner on which such a row changes nothing — rows
    that are neither parsed nor merged. Elsewhere, or when the file cannot be compared line
    by line (a column that is not ours, a quoted header): None, every row goes the long way
    (parse_row, plan_row).

    The database writes the lines of the clients the file's lines name (`_exported_lines`: one
    text, only the clients whose export changes nothing, `_unchanged_conditions`) and Python
    looks each line of the text up among them: the file is not parsed. Sound without comparing
    two CSV parsers: csv.reader reads a line that is a CSV rendering of some cells as those
    cells, and — the header being one line — every line is where a row starts while every line
    before it is such a rendering or blank, which `every_row` requires. A line matched inside a
    quoted cell that spans lines is never where a row starts, so the long way never looks it up.
    A row equal to its client as stored is not validated again: what is stored passed the same
    rules when it was written. Runs in the import's transaction, after `lock_partner`; a row
    found unchanged is not locked — the import writes nothing to its client.
    """
    if connection.vendor != "postgresql" or len(header.cells) != header.width:
        return None  # (a column that is not ours, or has no title)
    # Split as csv.reader splits the text into lines (io.StringIO(newline=""): at "\r\n",
    # "\n" and "\r"), so that the numbers are its line numbers; a text whose every "\r"
    # ends a "\r\n" splits the same at "\n", at C speed.
    if text.count("\r") == text.count("\r\n"):
        lines = text.replace("\r\n", "\n").split("\n")
    else:
        lines = [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]
    if '"' in lines[0]:
        return None  # the header may span lines
    data, delimiter = lines[1:], header.delimiter
    # The clients to write: those whose CPF/CNPJ the lines hold — a guess, a line at the
    # delimiter (and one with quotes by csv too): a line that names nobody goes the long way.
    position = header.positions["cpf_cnpj"]
    quoted = [line for line in data if '"' in line]
    documents = [
        cells[position]
        for cells in (line.split(delimiter, position + 1) for line in data)
        if len(cells) > position
    ]
    documents += [
        cells[position]
        for cells in csv.reader(quoted, delimiter=delimiter)
        if len(cells) > position
    ]
    exported = _exported_lines(partner, header, documents)
    if not exported:
        return Unchanged(set(), every_row=False)
    distinct = set(data)
    others = distinct.difference(exported)
    if all(not line.replace(delimiter, "").strip() for line in others):  # blank: no row
        rows = len(data) - sum(map(data.count, others))
        if rows == len(distinct) - len(others):  # no line twice: each client named once
            return Unchanged(set(), every_row=True, rows=rows)
    return Unchanged({number for number, line in enumerate(data, 2) if line in exported}, False)


# What DocumentText adds to a stored CPF/CNPJ, and what COPY's text format would read.
DOCUMENT_PUNCTUATION = str.maketrans("", "", "./-\t\\")


# The CPF/CNPJs the file's lines hold, for `_exported_lines` (dropped when the import ends).
DOCUMENTS_TABLE = "import_document"


def _exported_lines(partner: Partner, header, documents: list[str]) -> set[str]:
    """The lines `export_clients` would write, in the file's columns and with its delimiter,
    for the partner's clients with these CPF/CNPJs on which such a line changes nothing
    (`_unchanged_conditions`), written by the database (`_csv_line`), read as one text."""
    quote = connection.ops.quote_name
    select, params = _exported_cells(partner, header)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(DOCUMENTS_TABLE)}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {quote(DOCUMENTS_TABLE)} (cpf_cnpj text) ON COMMIT DROP"
        )
        # One text in COPY's format, a document a line, as the database stores it (without
        # the export's punctuation; COPY's tab and backslash out too: no stored one has them).
        with cursor.copy(f"COPY {quote(DOCUMENTS_TABLE)} FROM STDIN") as copy:
            copy.write("\n".join(documents).translate(DOCUMENT_PUNCTUATION).upper())
        cursor.execute(f"ANALYZE {quote(DOCUMENTS_TABLE)}")
        # A line with a line break in a quoted cell is two lines of the text: such a client's
        # row goes the long way, or its pieces would be counted as rows.
        cursor.execute(
            f"SELECT string_agg(line, E'\\n') FROM ({select}) lines "
            "WHERE strpos(line, E'\\n') = 0 AND strpos(line, E'\\r') = 0",
            params,
        )
        (text,) = cursor.fetchone()
    return set(text.split("\n")) if text else set()


def _exported_cells(partner: Partner, header) -> tuple[str, list]:
    """The SELECT of `_exported_lines`: the `line` of each client DOCUMENTS_TABLE names."""
    quote = connection.ops.quote_name
    columns = [None] * header.width
    for column, position, _ in header.cells:
        columns[position] = column
    names = [quote("cell_" + column.name) for column in columns]
    plain = ", ".join(f"coalesce(s.{name}::text, '')" for name in names)
    line, line_params = _csv_line([f"r.{name}" for name in names], header.delimiter)
    table, documents = quote(Client._meta.db_table), quote(DOCUMENTS_TABLE)
    named = RawSQL(
        f"{table}.cpf_cnpj IN (SELECT cpf_cnpj FROM {documents})", [], output_field=BooleanField()
    )
    sql, params = _stored_cells(partner).filter(named).query.sql_with_params()
    delimiter, conditions = header.delimiter, " AND ".join(_unchanged_conditions(columns))
    # OFFSET 0: each cell is computed once, for the conditions and the line.
    return (
        f"SELECT {line} AS line FROM (SELECT concat_ws(%s, {plain}) AS plain, s.* "
        f"FROM ({sql} OFFSET 0) s WHERE {conditions} OFFSET 0) r",
        [*line_params, delimiter, *params],
    )


def _csv_line(cells: list[str], delimiter: str) -> tuple[str, list]:
    """csv.writer's line (QUOTE_MINIMAL: a cell holding the delimiter, a quote or a line end is
    quoted, its quotes doubled; NULL as empty) of the SQL expressions `cells`, given `r.plain`:
    the cells joined by the delimiter as they are — the line itself when no cell holds one of
    those characters (no quote nor line end, one delimiter fewer than the cells)."""
    quoted = []
    for cell in cells:
        value = f"coalesce({cell}::text, '')"
        quoted.append(
            f"CASE WHEN {value} ~ %s THEN '\"' || replace({value}, '\"', '\"\"') || '\"' "
            f"ELSE {value} END"
        )
    special = f'[{re.escape(delimiter)}"\r\n]'
    return (
        f"CASE WHEN r.plain !~ %s AND "
        f"length(r.plain) - length(replace(r.plain, %s, '')) = {len(cells) - 1} THEN r.plain "
        f"ELSE concat_ws(%s, {', '.join(quoted)}) END",
        ['["\r\n]', delimiter, delimiter, *[special] * len(cells)],
    )


def _stored_cells(partner: Partner):
    """The partner's clients, each with its cells as export_clients writes them (`cell_<column
    name>`) and what `_unchanged_conditions` checks besides."""
    queryset, cells = export_query(partner)
    main = f"license_{Module.MAIN}"
    return queryset.order_by().values(
        *cells,
        stored_pending_since=F("pending_since"),
        stored_pending_reason=F("pending_reason"),
        stored_main_license=F(f"{main}__id"),
        stored_main_count=F(f"{main}_in_force"),
    )


def _unchanged_conditions(columns) -> list[str]:
    """SQL conditions under which a client's row of `_stored_cells` (`s`), written in a file
    as the export writes it, changes nothing of the client: plan_row's rule, for such cells."""
    quote = connection.ops.quote_name
    conditions = [
        # merge() clears the reason without pending_since and gives one with it.
        "(s.stored_pending_since IS NULL) = (s.stored_pending_reason = '')"
    ]
    for column in columns:
        cell = f"coalesce(s.{quote('cell_' + column.name)}::text, '')"
        if column.required and not column.blank:
            conditions.append(f"{cell} <> ''")  # parse_row refuses an empty one
        if column.module:
            # parse_count and parse_module_count read 0–9999 (licencas: 1–9999).
            conditions.append(f"length({cell}) <= 4")
        if column.module == Module.MAIN:
            # A client without its main license (or with 0 in force) changes when the file
            # gives `licencas` (plan_row), and 0 is refused.
            conditions.append(
                f"({cell} = '' OR (s.stored_main_license IS NOT NULL AND s.stored_main_count >= 1))"
            )
    return conditions


def compare(partner: Partner, rows, report, by_partner: bool = False) -> list[Plan]:
    """Plans for the rows that create or change a client; counts and problems in `report`.
    Runs inside the import's transaction, after `lock_partner`. `by_partner`: the partner's
    own import, held to limits.credit_problems on the locked rows."""
    stage_keys(rows)
    lock_named_clients(partner)
    now, today = timezone.now(), timezone.localdate()
    existing = {
        (facts["cpf_cnpj"], facts["product"]): facts
        for facts in client_facts(named_clients(partner), today, pending=by_partner)
    }
    elsewhere = _registered_elsewhere(partner)
    plans = []
    # licenses_problem of each (product, counts): a file repeats a few combinations.
    license_problems = {}
    for index, (line, values) in enumerate(rows):
        rows[index] = None  # each row's values go once planned: memory stays that of the plans
        key = (values["cpf_cnpj"], values["produto"])
        current = existing.get(key)
        plan = plan_row(values, current, line, now, today)
        if plan is not None and current is None and key in elsewhere:
            # As in services.client_register: another partner has it, the vendor reviews it.
            duplicate = duplicate_facts(plan.facts["pending_since"] or now)
            plan.facts.update(duplicate)
        if plan is None:
            report.unchanged += 1
            continue
        combination = (plan.facts["product"], *plan.counts.values())
        if combination not in license_problems:
            license_problems[combination] = licenses_problem(plan)
        problem = hidden_problem(plan.facts, today) or license_problems[combination]
        problems = [problem] if problem else []
        if by_partner:
            problems += credit_problems(plan, today)
            if plan.current is not None:
                plan.schedule = schedule(plan, today)
        if problems:
            report.errors.extend(RowError(line, problem) for problem in problems)
        else:
            plans.append(plan)
            if plan.current is None:
                report.created += 1
            else:
                report.updated += 1
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(KEYS_TABLE)}")
    report.errors.sort(key=lambda error: error.line)
    return plans


def changes(plans: list[Plan]) -> list[Change]:
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
