"""Benchmark of the CSV import (`make bench-import`; README, "Speed" → "Import").

A benchmark, not a test. On PostgreSQL, a partner (`bench-import`) with `--clients` clients
(seeded once, through the import itself) imports a file of `--rows` NEW clients, then the
same file again (nothing changes), round after round — and after the rounds, once per round,
a file that gives `--rows` of the seeded clients a new e-mail (every row an update; its memory
peak reported apart, as the process's peak only grows); each round also times the floor — a
plain COPY of the same file into a staging table of text columns — so that every figure is a
ratio measured side by side. Each round's imports run in one transaction that is rolled back,
so every round starts from the same data. The files are generated here
(tests.make_clients_csv: valid CPF/CNPJ, IBGE cities of seven UFs, dd/mm/aaaa dates, both
products, Link modules, a few suspended clients). The audit lines are written (formatted as in
production) to a temporary file, not to the terminal.
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

from clients.transfer.columns import HEADER
from clients.transfer.importing import import_clients
from partners.models import Partner
from tests.make_clients_csv import cells, record

PARTNER_CODE = "bench-import"
TARGET_NEW, TARGET_UNCHANGED, TARGET_MIB = 8.0, 4.0, 300


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


class Command(BaseCommand):
    help = (
        "Mede a importação de clientes (PostgreSQL): um arquivo de clientes novos e o mesmo "
        "arquivo de novo, ao lado de um COPY simples do arquivo, rodada a rodada."
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
                data = clients_csv(clients + 1, rows)
                changed = clients_csv(1, min(rows, clients), new_email=True)
                results = [self.round(partner, data, number) for number in range(1, rounds + 1)]
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
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE clients_client")
            self.stdout.write(f"  em {time.perf_counter() - started:.0f} s.")
        return partner

    def updates(self, partner, data: bytes) -> tuple[float, float]:
        """(seconds, peak MiB) of an import whose every row updates its client."""
        with transaction.atomic():
            started = time.perf_counter()
            report = import_clients(partner=partner, data=data, source="benchmarks.csv")
            self.check_deferred_constraints()
            took = time.perf_counter() - started
            assert report.written and report.updated == report.rows, report.errors[:3]
            transaction.set_rollback(True)
        self.stdout.write(f"e-mails mudados: {took:.2f} s")
        return took, peak_mib()

    def round(self, partner, data: bytes, number: int) -> dict:
        result = {"round": number, "load": os.getloadavg()[0]}
        with transaction.atomic():
            result["copy"] = self.floor(data)
            transaction.set_rollback(True)
        inserts = []
        with transaction.atomic(), connection.execute_wrapper(self.timing(inserts)):
            started = time.perf_counter()
            report = import_clients(partner=partner, data=data, source="benchmarks.csv")
            self.check_deferred_constraints()
            result["new"] = time.perf_counter() - started
            result["insert"] = sum(inserts)
            assert report.written and report.created == report.rows, report.errors[:3]
            started = time.perf_counter()
            again = import_clients(partner=partner, data=data, source="benchmarks.csv")
            self.check_deferred_constraints()
            result["unchanged"] = time.perf_counter() - started
            assert again.unchanged == again.rows, (again.created, again.updated)
            transaction.set_rollback(True)
        result["mib"] = peak_mib()
        self.stdout.write(
            f"rodada {number}: COPY {result['copy']:.2f} s, novos {result['new']:.2f} s "
            f"({result['new'] / result['copy']:.1f}×; o INSERT em clients_client "
            f"{result['insert']:.2f} s), sem mudança {result['unchanged']:.2f} s "
            f"({result['unchanged'] / result['copy']:.1f}×), carga {result['load']:.1f}"
        )
        return result

    @staticmethod
    def check_deferred_constraints():
        """Run now the foreign-key checks a commit would run (the rounds roll back)."""
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")

    @staticmethod
    def timing(inserts: list):
        """An execute wrapper adding up the INSERT … SELECT into the clients table: what
        PostgreSQL's index maintenance of that table costs, whatever Python does."""

        def wrapper(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                if sql.startswith('INSERT INTO "clients_client"'):
                    inserts.append(time.perf_counter() - started)

        return wrapper

    @staticmethod
    def floor(data: bytes) -> float:
        """A plain COPY of the file into a staging table of text columns: the floor."""
        columns = ", ".join(f"c{index} text" for index in range(len(HEADER)))
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE bench_floor ({columns}) ON COMMIT DROP")
            started = time.perf_counter()
            with cursor.copy(
                "COPY bench_floor FROM STDIN (FORMAT csv, DELIMITER ';', HEADER)"
            ) as copy:
                copy.write(data)
            return time.perf_counter() - started

    def report(self, results: list[dict], rows: int, without_audit: bool):
        what = "sem linhas de auditoria" if without_audit else "com as linhas de auditoria"
        self.stdout.write(f"\n{rows} linhas, {what}:\n")
        self.stdout.write(
            "| rodada | COPY (s) | novos (s) | × COPY | INSERT em clients_client (s) | × COPY "
            "| sem mudança (s) | × COPY | e-mails mudados (s) | × COPY | carga |"
        )
        self.stdout.write("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in results:
            self.stdout.write(
                f"| {r['round']} | {r['copy']:.2f} | {r['new']:.2f} | {r['new'] / r['copy']:.1f} "
                f"| {r['insert']:.2f} | {r['insert'] / r['copy']:.1f} "
                f"| {r['unchanged']:.2f} | {r['unchanged'] / r['copy']:.1f} "
                f"| {r['changed']:.2f} | {r['changed'] / r['copy']:.1f} | {r['load']:.1f} |"
            )
        new = statistics.median(r["new"] / r["copy"] for r in results)
        unchanged = statistics.median(r["unchanged"] / r["copy"] for r in results)
        mib = max(r["mib"] for r in results)
        mib_changed = max(r["mib_changed"] for r in results)
        self.stdout.write(
            f"\nmediana: novos {new:.1f}× o COPY (meta ≤ {TARGET_NEW:g}×), sem mudança "
            f"{unchanged:.1f}× (meta ≤ {TARGET_UNCHANGED:g}×); pico de memória do processo "
            f"{mib:.0f} MiB (meta ≤ {TARGET_MIB} MiB; inclui o Django e os arquivos gerados)"
        )
        self.stdout.write(
            f"pico depois do arquivo de e-mails mudados (100% atualizações): {mib_changed:.0f} MiB"
        )
