"""Benchmark of the CSV import (`make bench-import`; README, "Speed" → "Import").

A benchmark, not a test. On PostgreSQL, a partner (`bench-import`) with `--clients` clients
(seeded once, through the import itself) imports a file of `--rows` NEW clients, then the
same file again (nothing changes), round after round; after the rounds, once per round, a file
that gives `--rows` of the seeded clients a new e-mail (every row an update; its memory peak
reported apart, as the process's peak only grows). Each round's imports run in one transaction
that is rolled back, so every round starts from the same data.

Each figure is a ratio to a floor measured in the same round:

- new rows: the same final rows the import wrote (its clients, licenses, registration codes
  and history events, read back before the rollback) loaded with one COPY per table straight
  into the real tables, with their indexes, constraints and triggers, for an empty partner
  (`bench-import-floor`), in a transaction rolled back afterwards;
- the unchanged file: a COPY of the file into a staging table of text columns, plus one join
  comparing each staged row with the stored client it names.

The tables are vacuumed before each timed write, so that neither the import nor the floor
pays for the other's rolled-back rows. The files are generated here (tests.make_clients_csv:
valid CPF/CNPJ, IBGE cities of seven UFs, dd/mm/aaaa dates, both products, Link modules, a few
suspended clients). The audit lines are written (formatted as in production) to a temporary
file, not to the terminal.
"""

import csv
import io
import logging
import os
import resource
import statistics
import tempfile
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from clients.models import Client, ClientEvent, License, RegistrationCode
from clients.transfer.columns import HEADER
from clients.transfer.importing import import_clients
from partners.models import Partner
from tests.make_clients_csv import cells, record

PARTNER_CODE = "bench-import"
FLOOR_PARTNER_CODE = "bench-import-floor"
TARGET_NEW, TARGET_UNCHANGED, TARGET_MIB = 2.0, 2.0, 300
# The tables an import writes, in an order their foreign keys accept.
WRITTEN = (Client, License, RegistrationCode, ClientEvent)


def clients_csv(first: int, rows: int, new_email: bool = False) -> bytes:
    """A spreadsheet of `rows` clients numbered from `first`, as a partner would send it
    (`new_email`: each with another e-mail, a file that updates every client it names)."""
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for number in range(first, first + rows):
        client = record(number)
        if new_email:
            client["email"] = f"financeiro{number}@exemplo.com.br"
        writer.writerow(cells(client, HEADER))
    return stream.getvalue().encode()


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stored_columns(model) -> list[str]:
    """The columns a row of `model` is written with (a generated column is the database's)."""
    return [field.column for field in model._meta.concrete_fields if not field.generated]


class Command(BaseCommand):
    help = (
        "Mede a importação de clientes (PostgreSQL): um arquivo de clientes novos e o mesmo "
        "arquivo de novo, cada um ao lado do seu piso (um COPY das mesmas linhas finais nas "
        "tabelas reais; um COPY do arquivo mais uma junção que compara), rodada a rodada."
    )

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=100_000, help="clientes do parceiro")
        parser.add_argument("--rows", type=int, default=100_000, help="linhas do arquivo")
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument(
            "--without-audit",
            action="store_true",
            help="sem as linhas de auditoria (portal.audit em WARNING), para ver o custo delas",
        )

    def handle(self, *args, clients, rows, rounds, without_audit, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark roda em PostgreSQL: defina DATABASE_URL.")
        if without_audit:
            logging.getLogger("portal.audit").setLevel(logging.WARNING)
        with tempfile.TemporaryFile("w") as log:
            handlers = [h for h in logging.getLogger().handlers if hasattr(h, "setStream")]
            streams = [handler.setStream(log) for handler in handlers]
            try:
                partner = self.seed(clients)
                floor_partner, _ = Partner.objects.get_or_create(
                    code=FLOOR_PARTNER_CODE, defaults={"name": "Piso da importação"}
                )
                assert not floor_partner.clients.exists(), "o parceiro do piso deve estar vazio"
                data = clients_csv(clients + 1, rows)
                changed = clients_csv(1, min(rows, clients), new_email=True)
                results = [
                    self.round(partner, floor_partner, data, number)
                    for number in range(1, rounds + 1)
                ]
                # After every round: ru_maxrss only grows, and the targets' peak is the rounds'.
                for result in results:
                    result["changed"], result["mib_changed"] = self.updates(partner, changed)
            finally:
                for handler, stream in zip(handlers, streams, strict=True):
                    handler.setStream(stream)
        self.report(results, rows, without_audit)

    def seed(self, wanted: int) -> Partner:
        partner, _ = Partner.objects.get_or_create(
            code=PARTNER_CODE, defaults={"name": "Benchmark da importação"}
        )
        have = partner.clients.count()
        if have < wanted:
            started = time.perf_counter()
            self.stdout.write(f"Semeando {wanted - have} clientes pela importação…")
            import_clients(partner=partner, data=clients_csv(have + 1, wanted - have))
            self.stdout.write(f"  em {time.perf_counter() - started:.0f} s.")
        return partner

    @staticmethod
    def vacuum():
        """Clear the rolled-back rows of the previous writes (outside any transaction)."""
        with connection.cursor() as cursor:
            for model in WRITTEN:
                cursor.execute(f"VACUUM ANALYZE {connection.ops.quote_name(model._meta.db_table)}")

    def updates(self, partner, data: bytes) -> tuple[float, float]:
        """(seconds, peak MiB) of an import whose every row updates its client."""
        self.vacuum()
        with transaction.atomic():
            started = time.perf_counter()
            report = import_clients(partner=partner, data=data, source="benchmarks.csv")
            self.check_deferred_constraints()
            took = time.perf_counter() - started
            assert report.written and report.updated == report.rows, report.errors[:3]
            transaction.set_rollback(True)
        self.stdout.write(f"e-mails mudados: {took:.2f} s")
        return took, peak_mib()

    def round(self, partner, floor_partner, data: bytes, number: int) -> dict:
        result = {"round": number, "load": os.getloadavg()[0]}
        last_id = Client.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.vacuum()
        with tempfile.TemporaryDirectory() as written:
            with transaction.atomic():
                started = time.perf_counter()
                report = import_clients(partner=partner, data=data, source="benchmarks.csv")
                self.check_deferred_constraints()
                result["new"] = time.perf_counter() - started
                assert report.written and report.created == report.rows, report.errors[:3]
                started = time.perf_counter()
                again = import_clients(partner=partner, data=data, source="benchmarks.csv")
                self.check_deferred_constraints()
                result["unchanged"] = time.perf_counter() - started
                assert again.unchanged == again.rows, (again.created, again.updated)
                result["mib"] = peak_mib()
                with transaction.atomic():
                    result["unchanged_floor"], equal = self.unchanged_floor(partner, data)
                    assert equal == report.rows, (equal, report.rows)
                    transaction.set_rollback(True)
                self.read_back(partner, floor_partner, last_id, written)
                transaction.set_rollback(True)
            self.vacuum()
            with transaction.atomic():
                result["new_floor"] = self.new_floor(written)
                transaction.set_rollback(True)
        self.stdout.write(
            f"rodada {number}: novos {result['new']:.2f} s, piso {result['new_floor']:.2f} s "
            f"({result['new'] / result['new_floor']:.2f}×); sem mudança "
            f"{result['unchanged']:.2f} s, piso {result['unchanged_floor']:.2f} s "
            f"({result['unchanged'] / result['unchanged_floor']:.2f}×); carga {result['load']:.1f}"
        )
        return result

    @staticmethod
    def check_deferred_constraints():
        """Run now the foreign-key checks a commit would run (the rounds roll back)."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    @staticmethod
    def read_back(partner, floor_partner, last_id: int, directory: str) -> None:
        """Write to `directory`, a file per table in COPY's text format, the rows the import
        of new clients wrote (the clients after `last_id`), as the floor partner's."""
        quote = connection.ops.quote_name
        for model in WRITTEN:
            columns = stored_columns(model)
            select = ", ".join(
                str(floor_partner.pk) if column == "partner_id" else quote(column)
                for column in columns
            )
            key = "id" if model is Client else "client_id"
            where = f"{key} > {int(last_id)}"
            if model is Client:
                where += f" AND partner_id = {int(partner.pk)}"
            query = f"SELECT {select} FROM {quote(model._meta.db_table)} WHERE {where}"
            path = os.path.join(directory, model._meta.db_table)
            with (
                open(path, "wb") as file,
                connection.cursor() as cursor,
                cursor.copy(f"COPY ({query}) TO STDOUT") as copy,
            ):
                for block in copy:
                    file.write(block)

    @classmethod
    def new_floor(cls, directory: str) -> float:
        """One COPY per table of the rows read back, into the real tables: the floor of new
        rows (the deferred foreign-key checks included, as in the import's timing)."""
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            started = time.perf_counter()
            for model in WRITTEN:
                table = model._meta.db_table
                names = ", ".join(quote(column) for column in stored_columns(model))
                with (
                    open(os.path.join(directory, table), "rb") as file,
                    cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
                ):
                    while block := file.read(1 << 20):
                        copy.write(block)
            cls.check_deferred_constraints()
            return time.perf_counter() - started

    @staticmethod
    def unchanged_floor(partner, data: bytes) -> tuple[float, int]:
        """A COPY of the file into a staging table of text columns, then one join comparing
        each staged row with the stored client it names: the floor of the unchanged file.
        (seconds, rows found equal)"""
        columns = ", ".join(f"{name} text" for name in HEADER)
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE bench_floor ({columns}) ON COMMIT DROP")
            started = time.perf_counter()
            with cursor.copy(
                "COPY bench_floor FROM STDIN (FORMAT csv, DELIMITER ';', HEADER)"
            ) as copy:
                copy.write(data)
            cursor.execute(
                """
                SELECT count(*) FROM bench_floor f JOIN clients_client c
                  ON c.partner_id = %s AND c.cpf_cnpj = translate(f.cpf_cnpj, './-', '')
                 AND c.product = f.produto
                WHERE c.name = f.nome AND c.email = f.email AND c.uf = f.uf
                  AND c.city = f.cidade AND c.expires_on = to_date(f.vencimento, 'DD/MM/YYYY')
                  AND c.registered_on = to_date(f.data_cadastro, 'DD/MM/YYYY')
                  AND c.renewal = f.renovacao
                  AND (c.suspended_at IS NOT NULL) = (f.suspenso = 'sim')
                  AND (c.pending_since IS NOT NULL) = (f.pendente = 'sim')
                  AND c.pending_reason = coalesce(f.motivo_pendencia, '')
                  AND (c.hidden_at IS NOT NULL) = (f.oculto = 'sim')
                """,
                [partner.pk],
            )
            (equal,) = cursor.fetchone()
            return time.perf_counter() - started, equal

    def report(self, results: list[dict], rows: int, without_audit: bool):
        what = "sem linhas de auditoria" if without_audit else "com as linhas de auditoria"
        self.stdout.write(f"\n{rows} linhas, {what}:\n")
        self.stdout.write(
            "| rodada | piso novos (s) | novos (s) | × piso | piso sem mudança (s) "
            "| sem mudança (s) | × piso | e-mails mudados (s) | pico (MiB) | carga |"
        )
        self.stdout.write("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            self.stdout.write(
                f"| {r['round']} | {r['new_floor']:.2f} | {r['new']:.2f} "
                f"| {r['new'] / r['new_floor']:.2f} | {r['unchanged_floor']:.2f} "
                f"| {r['unchanged']:.2f} | {r['unchanged'] / r['unchanged_floor']:.2f} "
                f"| {r['changed']:.2f} | {r['mib']:.0f} | {r['load']:.1f} |"
            )
        new = statistics.median(r["new"] / r["new_floor"] for r in results)
        unchanged = statistics.median(r["unchanged"] / r["unchanged_floor"] for r in results)
        mib = max(r["mib"] for r in results)
        mib_changed = max(r["mib_changed"] for r in results)
        self.stdout.write(
            f"\nmediana: novos {new:.2f}× o piso (meta ≤ {TARGET_NEW:g}×), sem mudança "
            f"{unchanged:.2f}× o piso (meta ≤ {TARGET_UNCHANGED:g}×); pico de memória do "
            f"processo {mib:.0f} MiB (meta ≤ {TARGET_MIB} MiB; inclui o Django e os arquivos "
            "gerados)"
        )
        self.stdout.write(
            f"pico depois do arquivo de e-mails mudados (100% atualizações): {mib_changed:.0f} MiB"
        )
