"""The import's shortcut for rows that change nothing
(clients.transfer.importing.planning.unchanged_lines,
PostgreSQL): a row written as export_clients writes its client is found by SQL and neither
parsed nor merged. It must never change the verdict of the long way (parse_row, plan_row):
every variant of an exported file below gets the same report with the shortcut and without it.
"""

import csv
import io

import pytest
import time_machine

from clients.models import Client, License, Module
from clients.transfer.exporting import export_rows, write_csv
from clients.transfer.importing import import_clients, planning, read_table
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


def as_file(rows: list[list[str]], delimiter: str = ";") -> bytes:
    stream = io.StringIO()
    csv.writer(stream, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return stream.getvalue().encode()


def verdict(partner, data: bytes, monkeypatch=None):
    """What a dry run reports; with `monkeypatch`, without the shortcut (the long way)."""
    if monkeypatch is not None:
        monkeypatch.setattr("clients.transfer.importing.unchanged_lines", lambda *args: None)
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
    ("cpf_cnpj", lambda cell: cell + "\\N\t"),  # what COPY's text format would read
    ("nome", lambda cell: cell + ";"),  # quoted: the cells after it are not at the delimiters
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
    text = data.decode()
    planning.lock_partner(partner_a)
    found = planning.unchanged_lines(partner_a, read_table(text)[0], text)
    assert (found.every_row, found.rows) == (True, 6)
    assert verdict(partner_a, data)[:3] == (0, 0, 6)


def test_other_databases_take_the_long_way(partner_a):
    from django.db import connection

    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL takes the shortcut")
    text = as_file(exported(partner_a)).decode()
    assert planning.unchanged_lines(partner_a, read_table(text)[0], text) is None


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


# The file compared line by line (PostgreSQL): what makes a line a row of its own, and its number.


def found(partner, data: bytes):
    text = data.decode()
    planning.lock_partner(partner)
    return planning.unchanged_lines(partner, read_table(text)[0], text)


def with_line_ends(data: bytes, end: bytes) -> bytes:
    return data.replace(b"\r\n", end)


@pytest.mark.postgres
def test_the_unchanged_lines_are_numbered_as_the_csv_reader_numbers_them(partner_a, monkeypatch):
    rows = exported(partner_a)
    rows[2][rows[0].index("nome")] += " Filial"  # line 3 changes its client
    # A new client whose name spans two lines: every line after it is one further down.
    new = list(rows[1])
    new[rows[0].index("nome")], new[rows[0].index("cpf_cnpj")] = "Loja\nNova", "390.533.447-05"
    data = as_file([rows[0], rows[1], rows[2], new, *rows[3:]])
    result = found(partner_a, data)
    # Lines: 1 header, 2 and 3 the first two clients, 4–5 the new one, 6–9 the others.
    assert (result.every_row, result.lines) == (False, {2, 6, 7, 8, 9})
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)
    assert verdict(partner_a, data)[:3] == (1, 1, 5)


@pytest.mark.postgres
@pytest.mark.parametrize("end", [b"\n", b"\r"])
def test_other_line_ends_are_compared_too(partner_a, monkeypatch, end):
    data = with_line_ends(as_file(exported(partner_a)), end)
    assert (found(partner_a, data).every_row, found(partner_a, data).rows) == (True, 6)
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)


@pytest.mark.postgres
def test_mixed_line_ends_are_numbered_as_the_csv_reader_numbers_them(partner_a, monkeypatch):
    lines = as_file(exported(partner_a)).split(b"\r\n")
    rows = [lines[0], lines[1] + b"\r", lines[2] + b"\n", *(line + b"\r\n" for line in lines[3:-1])]
    data = lines[0] + b"\r\n" + b"".join(rows[1:])
    result = found(partner_a, data)
    assert (result.every_row, result.rows) == (True, 6)
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)


@pytest.mark.postgres
def test_blank_lines_are_no_rows(partner_a, monkeypatch):
    rows = exported(partner_a)
    blank = [""] * len(rows[0])
    data = as_file([rows[0], rows[1], blank, rows[2], [" "] * len(rows[0]), *rows[3:], blank])
    data += b"\r\n"
    assert (found(partner_a, data).every_row, found(partner_a, data).rows) == (True, 6)
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)
    assert verdict(partner_a, data)[:3] == (0, 0, 6)


@pytest.mark.postgres
def test_a_line_written_twice_is_not_the_shortcut(partner_a, monkeypatch):
    rows = exported(partner_a)
    data = as_file([*rows, rows[1]])
    result = found(partner_a, data)
    assert (result.every_row, result.lines) == (False, set(range(2, 9)))
    report = verdict(partner_a, data)
    assert report == verdict(partner_a, data, monkeypatch)
    assert "repetidos" in report[3][0].message


@pytest.mark.postgres
def test_an_exported_line_inside_a_quoted_cell_is_no_row(partner_a, monkeypatch):
    lines = as_file(exported(partner_a)).split(b"\r\n")
    quoted = lines[3]  # a client's line without quotes, quoted whole in another's reason
    assert b'"' not in quoted
    row, header = lines[2].split(b";"), lines[0].split(b";")
    row[header.index(b"motivo_pendencia")] = b'"veja\r\n' + quoted + b'\r\nfim"'
    data = b"\r\n".join([lines[0], lines[1], b";".join(row), *lines[3:]])
    # Lines: 1 header, 2 a client, 3–5 the row whose reason holds line 4, 6– the others.
    result = found(partner_a, data)
    assert result.every_row is False and {2, 4, 6} <= result.lines and 3 not in result.lines
    assert verdict(partner_a, data) == verdict(partner_a, data, monkeypatch)


def with_column(rows, title):
    return [[*rows[0], title], *([*row, "x"] for row in rows[1:])]


def quoted_header(rows):
    text = as_file(rows).decode()
    return ";".join(f'"{title}"' for title in rows[0]) + text[text.index("\r\n") :]


@pytest.mark.postgres
@pytest.mark.parametrize(
    "file",
    [
        lambda rows: as_file(with_column(rows, "observacao")).decode(),  # not ours
        lambda rows: as_file(with_column(rows, "")).decode(),  # no title
        quoted_header,
    ],
)
def test_a_file_with_a_column_not_ours_or_a_quoted_header_is_not_compared(partner_a, file):
    text = file(exported(partner_a))
    assert planning.unchanged_lines(partner_a, read_table(text)[0], text) is None


NAMES = [
    'Bar "do Zé"; filial',
    "Loja; Centro",
    'Só "aspas"',
    " espaço antes e depois ",
    "Linha\nquebrada",
    "Retorno\rde carro",
    '";"',
    "\\.",
    "Ação & Cia, Ltda",
]


@pytest.mark.postgres
@pytest.mark.parametrize("delimiter", [";", ","])
def test_the_database_writes_each_line_as_csv_writer_does(partner_a, delimiter):
    """`_csv_line`, the SQL twin of csv.writer, on every client's line: with names and
    reasons that need quoting (the delimiter, quotes, line ends) and ones that do not."""
    first = Client.objects.filter(partner=partner_a).order_by("pk").first()
    pending = Client.objects.get(partner=partner_a, pending_since__isnull=False)
    for name in NAMES:
        Client.objects.filter(pk=first.pk).update(name=name)
        Client.objects.filter(pk=pending.pk).update(pending_reason=name)
        rows = exported(partner_a)
        # A client whose cell holds a line break is left to the long way (not written).
        whole = [row for row in rows[1:] if not any("\n" in c or "\r" in c for c in row)]
        stream = io.StringIO()
        csv.writer(stream, delimiter=delimiter, lineterminator="\n").writerows(whole)
        header, _ = read_table(delimiter.join(rows[0]))
        document = rows[0].index("cpf_cnpj")
        documents = [row[document].translate(planning.DOCUMENT_PUNCTUATION) for row in rows[1:]]
        written = set(stream.getvalue().split("\n")) - {""}
        assert planning._exported_lines(partner_a, header, documents) == written


# The long way compares values, not text (every database).


# The same values written otherwise: (column, how the cell is written).
SPELLINGS = [
    ("nome", lambda cell: f" {cell} "),
    ("uf", str.lower),
    ("cidade", str.upper),
    ("vencimento", lambda cell: "-".join(reversed(cell.split("/")))),
    ("licencas", lambda cell: f"0{cell}"),
    ("suspenso", str.upper),
    ("pendente", lambda cell: "n" if cell == "não" else "1"),
    ("cpf_cnpj", lambda cell: cell.replace(".", "").replace("/", "").replace("-", "")),
    ("produto", str.upper),
    ("renovacao", lambda cell: "Cobrança" if cell == "cobranca" else "MANUAL"),
]


@pytest.mark.parametrize(("column", "spelling"), SPELLINGS)
def test_the_same_values_written_otherwise_change_nothing(partner_a, column, spelling):
    rows = exported(partner_a)
    position = rows[0].index(column)
    for row in rows[1:]:
        row[position] = spelling(row[position])
    assert verdict(partner_a, as_file(rows)) == (0, 0, 6, [], [])


# A value each client of the rows changed (every other one) does not have yet.
CHANGES = [
    ("nome", lambda cell: cell + " Filial"),
    ("email", lambda cell: "outro@ex.com.br"),
    ("cidade", lambda cell: "Campinas"),
    ("vencimento", lambda cell: "31/12/2027"),
    ("data_cadastro", lambda cell: "01/01/2020"),
    ("renovacao", lambda cell: "cobranca" if cell == "manual" else "manual"),
    ("licencas", lambda cell: str(int(cell) + 1)),
    ("suspenso", lambda cell: "não" if cell == "sim" else "sim"),
    ("pendente", lambda cell: "não" if cell == "sim" else "sim"),
]


@pytest.mark.parametrize(("column", "change"), CHANGES)
def test_a_row_whose_values_differ_updates_only_its_client(partner_a, column, change):
    rows = exported(partner_a)
    position = rows[0].index(column)
    for row in rows[1::2]:  # lines 2, 4, 6; the others stay as exported
        row[position] = change(row[position])
    created, updated, unchanged, errors, changes = verdict(partner_a, as_file(rows))
    assert (created, updated, unchanged, errors) == (0, 3, 3, [])
    assert [(change.line, change.kind) for change in changes] == [
        (2, "atualizar"),
        (4, "atualizar"),
        (6, "atualizar"),
    ]
    assert all(column in change.columns for change in changes)


# A stored state the file's row changes or refuses, though the row is the client's export.
def test_a_reason_without_pendente_is_cleared(partner_a):
    Client.objects.filter(partner=partner_a).update(pending_reason="Sem pendência")
    created, updated, unchanged, errors, changes = verdict(partner_a, as_file(exported(partner_a)))
    # Five clients are not Pendente: their reason goes; the Pendente one keeps it.
    assert (created, updated, unchanged, errors) == (0, 5, 1, [])
    assert {change.columns for change in changes} == {("motivo_pendencia",)}


def test_pendente_without_a_reason_gets_the_default_one(partner_a):
    pending = Client.objects.get(partner=partner_a, pending_since__isnull=False)
    Client.objects.filter(pk=pending.pk).update(pending_reason="")
    created, updated, unchanged, errors, changes = verdict(partner_a, as_file(exported(partner_a)))
    assert (created, updated, unchanged, errors) == (0, 1, 5, [])
    assert changes[0].columns == ("motivo_pendencia",)


@pytest.mark.parametrize(
    "change",
    [
        lambda client: License.objects.filter(client=client, module=Module.MAIN).delete(),
        lambda client: License.objects.filter(client=client, module=Module.MAIN).update(
            quantity=0, scheduled_quantity=None
        ),
    ],
)
def test_a_client_without_licenses_in_force_is_refused(partner_a, change):
    first = Client.objects.filter(partner=partner_a).order_by("pk").first()
    change(first)
    created, updated, unchanged, errors, _ = verdict(partner_a, as_file(exported(partner_a)))
    assert (created, updated, unchanged) == (0, 0, 5)
    assert [(error.line, error.message.split(":")[0]) for error in errors] == [(2, "licencas")]


# What makes a row, and its line number.


def test_line_numbers_follow_a_cell_that_spans_two_lines(partner_a):
    rows = exported(partner_a)
    rows[2][rows[0].index("nome")] += " Filial"  # line 3 changes its client
    # A new client whose name spans two lines: every line after it is one further down.
    new = list(rows[1])
    new[rows[0].index("nome")], new[rows[0].index("cpf_cnpj")] = "Loja\nNova", "390.533.447-05"
    rows[4][rows[0].index("uf")] = "XX"  # the fourth client, now on line 7
    data = as_file([rows[0], rows[1], rows[2], new, *rows[3:]])
    created, updated, unchanged, errors, changes = verdict(partner_a, data)
    # Lines: 1 header, 2 and 3 the first two clients, 4–5 the new one, 6–9 the others.
    assert (created, updated, unchanged) == (1, 1, 4)
    assert [(change.line, change.kind) for change in changes] == [(3, "atualizar"), (4, "criar")]
    assert [(error.line, error.message.split(":")[0]) for error in errors] == [(7, "uf")]


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("name", NAMES)
def test_names_and_reasons_that_need_quoting_change_nothing(partner_a, delimiter, name):
    first = Client.objects.filter(partner=partner_a).order_by("pk").first()
    pending = Client.objects.get(partner=partner_a, pending_since__isnull=False)
    Client.objects.filter(pk=first.pk).update(name=name.strip())
    Client.objects.filter(pk=pending.pk).update(pending_reason=name.strip())
    assert verdict(partner_a, as_file(exported(partner_a), delimiter)) == (0, 0, 6, [], [])
