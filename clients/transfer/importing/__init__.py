"""Import a partner's clients from a CSV file (`manage.py import_clients`).

Every row is validated before anything is written; if any row is invalid, nothing is. Then
one transaction locks the clients the file names, creates the new clients (each with its main
license and, for Link, a registration code), updates the existing ones (same partner, CPF/CNPJ
and product) and writes one history event and one audit log line per created or updated
client. Rows that change nothing are left alone, so importing the same file twice changes
nothing the second time.

An empty cell of an optional column means "not given": a new client gets the default, an
existing one keeps its value. `licencas` is the main count in force today; changing it
applies at once and drops a scheduled reduction. `suspenso`, `pendente` and `oculto` set
or clear the facts the status derives from (`oculto` only where clients.domain.status says the
client is Inativo).

The partner's own import (Importar clientes, `by_partner`) is held to `limits`: no row may do
what costs credit elsewhere (a later vencimento, more licenses, a new client due later than
+ Novo cliente's), checked on the locked rows when the preview is made and again when the job
writes; a reduction waits for the 1st of next month, as in Editar. The vendor's staff's
command is their own data migration: its counts apply at once, and it sets any vencimento.

One job per module: `reading` (bytes → rows of values), `planning` (rows → what changes, by
the services' rule functions, on locked rows; on PostgreSQL the lines written exactly as
the export writes their client are found first, `unchanged_lines`, and never parsed), `writing`
(bulk writes and their history). The measured times of 100,000 rows are in README.md,
"Speed" → "Import".
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from clients.domain.documents import normalize_document
from clients.transfer.importing.planning import (
    DEFAULT_PENDING_REASON,
    Change,
    changes,
    compare,
    lock_partner,
    unchanged_lines,
)
from clients.transfer.importing.reading import (
    ImportFileError,
    RowError,
    decode,
    parse_row,
    read_table,
)
from clients.transfer.importing.writing import ACTOR_LABEL, write
from partners.models import Partner

__all__ = [
    "ACTOR_LABEL",
    "DEFAULT_PENDING_REASON",
    "ImportFileError",
    "ImportReport",
    "decode",
    "import_clients",
    "parse_row",
    "read_table",
]

Progress = Callable[[str, int, int], None]


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


def import_clients(
    *,
    partner: Partner,
    data: bytes,
    dry_run: bool = False,
    source: str = "",
    progress: Progress | None = None,
    by_partner: bool = False,
) -> ImportReport:
    """Validate every row of `data`, then write them all in one transaction — or nothing.
    `by_partner`: the partner's own import, held to clients.transfer.importing.limits.

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

    try:
        with transaction.atomic():
            lock_partner(partner)
            found = unchanged_lines(partner, header, text)
            if found is not None and found.every_row:
                # Every row is written as the export writes its client: nothing to read.
                report.rows = report.unchanged = found.rows
                rows = []
                progress("validando", estimate, estimate)
            else:
                unchanged = found.lines if found else set()
                rows = _valid_rows(data_rows, header, unchanged, report, progress, estimate)
            plans = compare(partner, rows, report, by_partner) if rows else []
            if dry_run:
                report.changes = changes(plans)
            if report.errors or dry_run:
                return report
            note = f"Importação de {source}"[:300] if source else "Importação de arquivo CSV"
            write(partner, plans, note, progress)
            report.written = True
    except IntegrityError:
        raise ImportFileError(
            "outro processo gravou um cliente com o mesmo CPF/CNPJ e produto durante a "
            "importação; rode a importação de novo"
        ) from None
    return report


def _valid_rows(data_rows, header, unchanged: set[int], report, progress, estimate) -> list:
    """(line, values) of each valid row that may change something; the problems and the
    rows found unchanged (`unchanged`: their lines, neither parsed nor merged) in `report`."""
    document, product = header.positions["cpf_cnpj"], header.positions["produto"]
    rows, seen = [], {}
    for line, cells in data_rows:
        report.rows += 1
        if line in unchanged:
            # Written as the export writes its client: the stored document and product.
            key, values, problems = (normalize_document(cells[document]), cells[product]), None, []
        else:
            values, problems = parse_row(cells, header)
            key = (values["cpf_cnpj"], values["produto"]) if not problems else None
        if key is not None:
            if key in seen:
                problems = [f"cpf_cnpj e produto repetidos: já aparecem na linha {seen[key]}"]
            else:
                seen[key] = line
                if values is None:
                    report.unchanged += 1
                else:
                    rows.append((line, values))
        report.errors.extend(RowError(line, problem) for problem in problems)
        if report.rows % 1000 == 0:
            progress("validando", min(report.rows, estimate), estimate)
    progress("validando", estimate, estimate)
    return rows
