"""The CSV exports against the floor, on PostgreSQL (`make bench` runs it after bench_clients,
on the data that command seeds; README, "Speed").

The benchmark partner's clients are exported, round after round, next to a
`COPY (SELECT …) TO STDOUT` of the very query the export runs (the same columns, formatted by
the same SQL): the list's export with every status (by name, as the screen) and
export_clients (the import's columns, by id). Then the peak Python memory of each
(tracemalloc).
"""

import os
import statistics
import time
import tracemalloc

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from clients.domain.status import with_status
from clients.models import Client
from clients.transfer.exporting import CSV, ListExport, export_query, read_chunks, write_csv
from partners.models import Partner

BENCH_PARTNER = "bench-0001"


class Command(BaseCommand):
    help = (
        "Mede as exportações CSV dos clientes do parceiro do benchmark ao lado de um COPY "
        "da mesma consulta (PostgreSQL; os dados de bench_clients)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rounds", type=int, default=5, help="rodadas medidas")

    def handle(self, *args, rounds, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark precisa de PostgreSQL: defina DATABASE_URL.")
        big = Partner.objects.filter(code=BENCH_PARTNER).first()
        if big is None:
            raise CommandError("Sem dados do benchmark: rode make bench (bench_clients) antes.")
        export_against_copy(self.stdout, big, rounds)


def export_against_copy(stdout, big, rounds):
    clients = with_status(Client.objects.filter(partner=big)).order_by("name", "pk")
    listed = ListExport(clients, CSV)
    queryset, fields = export_query(big)
    exports = {
        "exportação da lista (CSV, todos os status, por nome)": (
            lambda: _drain(listed.response("benchmarks.csv").streaming_content),
            listed.queryset.values_list(*listed.fields),
        ),
        "export_clients (colunas da importação, por id)": (
            lambda: write_csv(read_chunks(queryset, fields), _Null()),
            queryset.values_list(*fields),
        ),
    }
    rows = {label: query.count() for label, (_, query) in exports.items()}
    stdout.write(
        f"\nExportações CSV × COPY da mesma consulta, {rounds} rodadas após uma de "
        f"aquecimento; carga no início: {_load()}."
    )
    times = {label: ([], []) for label in exports}
    for round_ in range(rounds + 1):
        for label, (export, query) in exports.items():
            started = time.perf_counter()
            export()
            ours = time.perf_counter() - started
            started = time.perf_counter()
            _copy_out(query)
            copied = time.perf_counter() - started
            if round_:  # the first round only warms the caches
                times[label][0].append(ours)
                times[label][1].append(copied)
    stdout.write(f"Carga no fim: {_load()}.\n")
    stdout.write(
        "| exportação | linhas | p50 (ms) | COPY p50 (ms) | × COPY (mediana; mín–máx das "
        "rodadas) | pico de memória Python |"
    )
    stdout.write("|---|---:|---:|---:|---:|---:|")
    for label, (export, _) in exports.items():
        ours, copied = times[label]
        ratios = [a / b for a, b in zip(ours, copied, strict=True)]
        tracemalloc.start()
        export()
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        stdout.write(
            f"| {label} | {_n(rows[label])} | {statistics.median(ours) * 1000:.0f} | "
            f"{statistics.median(copied) * 1000:.0f} | {statistics.median(ratios):.2f} "
            f"({min(ratios):.2f}–{max(ratios):.2f}) | {peak / 2**20:.1f} MiB |"
        )


class _Null:
    def write(self, text):
        pass


def _drain(chunks):
    for _ in chunks:
        pass


def _copy_out(queryset):
    """`COPY (the queryset's SELECT) TO STDOUT` as CSV, read to the end: the floor."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        statement = f"COPY ({sql}) TO STDOUT (FORMAT csv, DELIMITER ';', HEADER)"
        with cursor.cursor.copy(statement, params) as copy:
            for _ in copy:
                pass


def _n(number):
    return f"{number:,}".replace(",", ".")


def _load():
    return "load average " + " / ".join(f"{value:.2f}" for value in os.getloadavg())
