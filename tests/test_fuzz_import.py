"""Fuzzing the CSV import (clients.transfer.importing.import_clients and `manage.py
import_clients`):
hostile cells, headers, delimiters, quotes, line ends, encodings, NUL bytes, huge fields and
plain noise. The import either writes every row or, with an ImportFileError or row errors
(CommandError from the command), writes nothing; no other exception ever escapes, and nothing
stored holds a NUL.
"""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from hypothesis import event, given
from hypothesis import strategies as st

from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.domain.status import Status
from clients.models import Client, Product
from clients.transfer.columns import HEADER, REQUIRED
from clients.transfer.importing import ImportFileError, import_clients
from tests.csv_helpers import CNPJ, CNPJ_ALNUM, CPF
from tests.fuzz import (
    assert_no_nul_stored,
    database_state,
    fuzz_settings,
    rolled_back,
    stored_text,
    text,
)

# A valid cell for each column, and cells worth trying besides hostile text.
VALID = {
    "nome": "Padaria Pão Quente",
    "cpf_cnpj": "529.982.247-25",
    "email": "pao@ex.com.br",
    "produto": "link",
    "uf": "SP",
    "cidade": "sao paulo",
    "vencimento": "31/12/2026",
    "data_cadastro": "2026-01-15",
    "renovacao": "Gestão de cobranças",
    "licencas": "2",
    "suspenso": "não",
    "pendente": "sim",
    "motivo_pendencia": "Conferir CNPJ",
    "oculto": "não",
    "pesagem_automatica": "2",
    "monitor_cozinha": "0",
    "link_balanco_estoque": "sim",
}
CELLS = {
    "cpf_cnpj": [CPF, CNPJ, CNPJ_ALNUM, "11.222.333/0001-82", "00000000000", "12abc34501de35"],
    "produto": ["navi", "NAVI", "Link", "pos"],
    "uf": ["rj", "RJ", "XX", "S P"],
    "cidade": ["Niterói", "Campinas", "São Paulo"],
    "vencimento": ["2026-02-30", "9999-12-31", "0001-01-01", "01/10/2026", "31/12/99999"],
    "data_cadastro": ["29/02/2025", "0000-00-00"],
    "licencas": ["0", "9999", "10000", "-1", "١", "1" * 5000, "2.5"],
    "suspenso": ["sim", "SIM", "1", "true", "talvez"],
    "pendente": ["não", "0", "N"],
    "oculto": ["sim", "não"],
    "pesagem_automatica": ["0", "9999", "10000", "-1", "١"],
    "monitor_cozinha": ["1", "2.5"],
    "link_balanco_estoque": ["não", "2", "1"],
}
HEADER_SAMPLES = [
    "Nome",
    "CPF/CNPJ",
    "E-mail",
    "Licenças",
    "Monitor de Cozinha",
    "cpf cnpj",
    "nome",
    "ﬁ",
    "",
]


# A different client on each row (the first is the existing one): a valid file imports.
DOCUMENTS = [CPF, CNPJ, CNPJ_ALNUM, cpf_from_base("111444777"), cnpj_from_base("453178870001")]


def cell(column):
    return st.one_of(st.sampled_from(CELLS.get(column, [""])), text)


@st.composite
def rows_for(draw, header, number):
    """A valid row with a few cells hostile, or the row's width wrong."""
    row = [VALID.get(name, "") for name in header]
    if "cpf_cnpj" in header:
        row[header.index("cpf_cnpj")] = DOCUMENTS[number % len(DOCUMENTS)]
    for position in draw(st.sets(st.integers(0, len(header) - 1), max_size=2)):
        row[position] = draw(cell(header[position]))
    if draw(st.integers(0, 9)) == 0:
        row = row[: draw(st.integers(0, len(row)))] or row + [draw(text)]
    return row


@st.composite
def tables(draw):
    """(header, rows): the columns in any order, some left out, unknown ones added."""
    known = draw(st.permutations(HEADER))
    keep = draw(st.sets(st.sampled_from(HEADER)))
    header = [name for name in known if name in keep or name in REQUIRED]
    if draw(st.integers(0, 5)) == 0:
        header.remove(draw(st.sampled_from(header)))
    if draw(st.integers(0, 3)) == 0:
        header.append(draw(st.one_of(st.sampled_from(HEADER_SAMPLES + HEADER), text)))
    rows = [draw(rows_for(header, number)) for number in range(draw(st.integers(0, 4)))]
    return header, rows


def written(header, rows, delimiter, quoting, newline) -> str:
    if quoting is None:  # no quoting at all: a delimiter or a quote in a cell breaks the row
        return newline.join(delimiter.join(line) for line in [header, *rows]) + newline
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, quoting=quoting, lineterminator=newline).writerows(
        [header, *rows]
    )
    return out.getvalue()


def damaged(data: bytes, how: str, position: int) -> bytes:
    position = position % (len(data) + 1)
    return {
        "none": data,
        "nul": data[:position] + b"\x00" + data[position:],
        "cut": data[:position],
        "quote": data[:position] + b'"' + data[position:],
        "huge field": data + b"x" * 200_000 + b"\r\n",
        "bytes": data[:position] + b"\x81\x8d\xff\xfe" + data[position:],
    }[how]


@st.composite
def csv_files(draw) -> bytes:
    header, rows = draw(tables())
    content = written(
        header,
        rows,
        draw(st.sampled_from([";", ";", ";", ",", ",", "\t", "|"])),
        draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, None])),
        draw(st.sampled_from(["\r\n", "\n", "\r"])),
    )
    encoding = draw(st.sampled_from(["utf-8"] * 3 + ["utf-8-sig", "cp1252", "cp1252", "utf-16"]))
    data = content.encode(encoding, errors="replace")
    how = draw(st.sampled_from(["none"] * 8 + ["nul", "cut", "quote", "huge field", "bytes"]))
    if how == "none" and draw(st.integers(0, 7)) == 0:
        return draw(st.binary(max_size=500))
    return damaged(data, how, draw(st.integers(0)))


files = csv_files()


@pytest.fixture
def existing(partner_a, make_client):
    """A client the rows may update (same partner, CPF/CNPJ and product)."""
    return make_client(partner_a, name="Padaria Antiga", cpf_cnpj=CPF, product=Product.LINK)


def check_import(partner, data: bytes, dry_run: bool):
    before = database_state()
    try:
        report = import_clients(partner=partner, data=data, dry_run=dry_run)
    except ImportFileError as error:
        event("file refused")
        assert str(error)
        assert database_state() == before
        return
    if report.errors or dry_run:
        event("rows refused" if report.errors else "dry run")
        assert not report.written
        assert database_state() == before
        return
    event(f"written: {report.created} created, {report.updated} updated")
    assert_no_nul_stored()
    assert Client.objects.count() == len(before[0]) + report.created


@given(data=files, dry_run=st.booleans())
@fuzz_settings(max_examples=100)
def test_import_writes_all_or_nothing_whatever_the_file(partner_a, existing, data, dry_run):
    with rolled_back():
        check_import(partner_a, data, dry_run)


@given(names=st.lists(stored_text, min_size=1, max_size=3))
@fuzz_settings(max_examples=30)
def test_hostile_names_and_reasons_are_imported_as_they_are(partner_a, names):
    # Valid rows whose free text is hostile: stored exactly, in every encoding we read.
    rows = [
        {**VALID, "nome": name[:200], "motivo_pendencia": name[:300], "cpf_cnpj": document}
        for name, document in zip(names, DOCUMENTS, strict=False)
    ]
    data = written(HEADER, [[row[c] for c in HEADER] for row in rows], ";", csv.QUOTE_ALL, "\n")
    with rolled_back():
        report = import_clients(partner=partner_a, data=data.encode())
        assert (report.errors, report.created) == ([], len(rows))
        stored = dict(Client.objects.values_list("cpf_cnpj", "name"))
        for row in rows:
            assert stored[row["cpf_cnpj"]] == row["nome"].strip()
        assert set(Client.objects.values_list("pending_reason", flat=True)) == {
            row["motivo_pendencia"].strip() for row in rows
        }
        assert all(client.status == Status.PENDING for client in Client.objects.all())


@given(data=files, partner=st.one_of(st.just("alfa"), text.map(lambda t: t.replace("\x00", ""))))
@fuzz_settings(max_examples=25)
def test_the_command_refuses_cleanly_whatever_the_file(tmp_path, partner_a, data, partner):
    path = tmp_path / "clientes.csv"
    path.write_bytes(data)
    with rolled_back():
        before = database_state()
        out, err = io.StringIO(), io.StringIO()
        try:
            call_command(
                "import_clients", f"--partner={partner}", str(path), stdout=out, stderr=err
            )
        except CommandError as error:
            event("refused")
            assert "Nada foi gravado" in str(error) or "não encontrado" in str(error)
            assert database_state() == before
        else:
            event("imported")
            assert "Importação concluída" in out.getvalue()
            assert_no_nul_stored()
