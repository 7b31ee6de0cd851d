"""The column spec shared by import and export: every value it renders, it parses back."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from clients.domain.documents import cnpj_from_base, cpf_from_base
from clients.domain.municipalities import cities_of
from clients.models import Client, License
from clients.transfer.columns import CLIENT_FIELDS, COLUMNS, HEADER, LICENSE_FIELDS
from clients.transfer.exporting import csv_text, export_rows
from clients.transfer.importing import decode, parse_row, read_table
from tests.fuzz import fuzz_settings, rolled_back

# Any printable text, with the characters CSV must quote: delimiters, quotes, line breaks.
characters = st.characters(exclude_categories=("Cs", "Cc")) | st.sampled_from(';,"\n')
names = st.text(characters, min_size=1, max_size=200).map(str.strip).filter(bool)
documents = st.one_of(
    st.from_regex(r"[0-9]{9}", fullmatch=True).map(cpf_from_base),
    st.from_regex(r"[0-9A-Z]{8}[0-9]{4}", fullmatch=True).map(cnpj_from_base),
).filter(lambda document: len(set(document)) > 1)
places = st.sampled_from(["SP", "RJ", "BA", "RO"]).flatmap(
    lambda uf: st.tuples(st.just(uf), st.sampled_from(cities_of(uf)))
)
dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2099, 12, 31))
moments = st.none() | st.just(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


@st.composite
def client_facts(draw):
    uf, city = draw(places)
    pending = draw(moments)
    return {
        "name": draw(names),
        "cpf_cnpj": draw(documents),
        "email": draw(st.sampled_from(["", "loja@exemplo.com.br"])),
        "product": draw(st.sampled_from(["link", "navi"])),
        "uf": uf,
        "city": city,
        "expires_on": draw(dates),
        "registered_on": draw(dates),
        "renewal": draw(st.sampled_from(["manual", "cobranca"])),
        "licenses": draw(st.integers(1, 9999)),
        "suspended_at": draw(moments),
        "pending_since": pending,
        "pending_reason": draw(names) if pending else "",
        "hidden_at": draw(moments),
        "pesagem_automatica": draw(st.integers(0, 9999)),
        "monitor_cozinha": draw(st.integers(0, 9999)),
        "link_balanco_estoque": draw(st.integers(0, 1)),
    }


@given(facts=client_facts(), delimiter=st.sampled_from([";", ","]))
@fuzz_settings(max_examples=60)
def test_what_the_export_writes_the_import_reads_back(partner_a, facts, delimiter):
    # The cells as the database writes them (export_clients), read back by the import.
    with rolled_back():
        client = Client.objects.create(
            partner=partner_a, **{k: v for k, v in facts.items() if k in CLIENT_FIELDS}
        )
        for field, module in LICENSE_FIELDS.items():
            if facts[field]:
                License.objects.create(client=client, module=module, quantity=facts[field])
        text = "".join(csv_text(HEADER, export_rows(partner_a), delimiter, bom=False))

    header, rows = read_table(decode(text.encode())[0])
    ((line, cells),) = list(rows)
    values, problems = parse_row(cells, header)

    assert problems == []
    assert line == 2
    expected = {
        column.name: (facts[column.field] is not None) if column.flag else facts[column.field]
        for column in COLUMNS
    }
    if not expected["motivo_pendencia"]:
        del expected["motivo_pendencia"]  # an empty optional cell means "not given"
    assert values == expected
