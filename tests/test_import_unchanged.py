"""The import's shortcut for rows that change nothing (clients.importing.planning.unchanged_lines,
PostgreSQL): a row written as export_clients writes its client is found by SQL and neither
parsed nor merged. It must never change the verdict of the long way (parse_row, plan_row):
every variant of an exported file below gets the same report with the shortcut and without it.
"""

import csv
import io

import pytest
import time_machine

from clients.exporting import export_rows, write_csv
from clients.importing import import_clients, planning, read_table
from clients.models import Client, License, Module
from tests.csv_helpers import NOW
from tests.test_export_clients import clients_in_every_state  # noqa: F401 -- a fixture

pytestmark = pytest.mark.usefixtures("clients_in_every_state")


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def exported(partner) -> list[list[str]]:
    stream = io.StringIO()
    write_csv(export_rows(partner), stream)
    return list(csv.reader(io.StringIO(stream.getvalue()), delimiter=";"))


def as_file(rows: list[list[str]]) -> bytes:
    stream = io.StringIO()
    csv.writer(stream, delimiter=";", lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode()


def verdict(partner, data: bytes, monkeypatch=None):
    """What a dry run reports; with `monkeypatch`, without the shortcut (the long way)."""
    if monkeypatch is not None:
        monkeypatch.setattr("clients.importing.unchanged_lines", lambda *args: None)
    report = import_clients(partner=partner, data=data, dry_run=True)
    if monkeypatch is not None:
        monkeypatch.undo()
    return (report.created, report.updated, report.unchanged, report.errors, report.changes)


# Each variant changes one cell of each data row: (column, what it becomes).
VARIANTS = [
    ("nome", lambda cell: cell + " Filial"),
    ("nome", lambda cell: f" {cell}"),
    ("email", lambda cell: "outro@ex.com.br"),
    ("email", lambda cell: ""),
    ("uf", str.lower),
    ("cidade", lambda cell: cell.upper()),
    ("cidade", lambda cell: "Campinas"),
    ("vencimento", lambda cell: "-".join(reversed(cell.split("/")))),
    ("vencimento", lambda cell: "31/12/2027"),
    ("data_cadastro", lambda cell: ""),
    ("data_cadastro", lambda cell: "01/01/2020"),
    ("renovacao", lambda cell: "cobranca" if cell == "manual" else "manual"),
    ("renovacao", lambda cell: ""),
    ("licencas", lambda cell: str(int(cell) + 1)),
    ("licencas", lambda cell: "0"),
    ("licencas", lambda cell: f"0{cell}"),
    ("suspenso", lambda cell: "não" if cell == "sim" else "sim"),
    ("suspenso", str.upper),
    ("pendente", lambda cell: "não" if cell == "sim" else "sim"),
    ("motivo_pendencia", lambda cell: "Outro motivo"),
    ("motivo_pendencia", lambda cell: ""),
    ("oculto", lambda cell: "não" if cell == "sim" else "sim"),
    ("pesagem_automatica", lambda cell: "1"),
    ("monitor_cozinha", lambda cell: ""),
    ("link_balanco_estoque", lambda cell: "sim" if cell == "não" else "não"),
    ("cpf_cnpj", lambda cell: cell.replace(".", "").replace("/", "").replace("-", "")),
    ("produto", str.upper),
]


@pytest.mark.parametrize(("column", "change"), VARIANTS)
def test_the_shortcut_never_changes_the_verdict(partner_a, monkeypatch, column, change):
    rows = exported(partner_a)
    position = rows[0].index(column)
    for row in rows[1::2]:  # every other row: the others stay as exported
        row[position] = change(row[position])
    data = as_file(rows)
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)


# A stored state that plan_row changes (or refuses) though the file is its export.
STORED = [
    lambda client: Client.objects.filter(pk=client.pk).update(pending_reason="Sem pendência"),
    lambda client: Client.objects.filter(pk=client.pk).update(pending_since=NOW, pending_reason=""),
    lambda client: License.objects.filter(client=client, module=Module.MAIN).delete(),
    lambda client: License.objects.filter(client=client, module=Module.MAIN).update(quantity=0),
]


@pytest.mark.parametrize("change", STORED)
def test_a_stored_state_the_file_would_change_gets_the_same_verdict(partner_a, monkeypatch, change):
    for client in Client.objects.filter(partner=partner_a):
        change(client)
    data = as_file(exported(partner_a))
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)


def test_a_file_with_fewer_columns_and_repeated_rows_gets_the_same_verdict(partner_a, monkeypatch):
    rows = exported(partner_a)
    keep = [rows[0].index(name) for name in ("nome", "cpf_cnpj", "email", "produto", "uf")]
    keep += [rows[0].index(name) for name in ("cidade", "vencimento", "oculto")]
    rows = [[row[position] for position in reversed(keep)] for row in rows]
    data = as_file([*rows, rows[1], rows[2][:-1]])  # a repeated row, a row one cell short
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)


@pytest.mark.postgres
def test_an_exported_file_is_found_unchanged_by_sql(partner_a):
    data = as_file(exported(partner_a))
    header, data_rows = read_table(data.decode())
    planning.lock_partner(partner_a)
    assert planning.unchanged_lines(partner_a, header, data_rows) == (set(range(2, 8)), 6)
    assert verdict(partner_a, data)[:3] == (0, 0, 6)


def test_other_databases_take_the_long_way(partner_a):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL takes the shortcut")
    header, data_rows = read_table(as_file(exported(partner_a)).decode())
    assert planning.unchanged_lines(partner_a, header, data_rows) is None


def test_a_client_named_twice_written_two_ways_is_refused_either_way(partner_a, monkeypatch):
    rows = exported(partner_a)
    document, name = rows[0].index("cpf_cnpj"), rows[0].index("nome")
    again = list(rows[1])
    again[document] = "".join(ch for ch in again[document] if ch.isalnum())
    again[name] += " Filial"
    data = as_file([*rows, again])
    found = verdict(partner_a, data)
    assert found == verdict(partner_a, data, monkeypatch)
    assert "repetidos" in found[3][0].message
