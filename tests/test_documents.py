import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st
from localflavor.br.validators import BRCNPJValidator, BRCPFValidator

from clients.domain.documents import (
    DocumentText,
    cnpj_from_base,
    cpf_from_base,
    format_document,
    normalize_document,
    validate_document,
)
from clients.models import Client
from clients.transfer.columns import DateText, render_date


@pytest.mark.parametrize(
    "value",
    [
        "529.982.247-25",
        "52998224725",
        "11.222.333/0001-81",
        "11222333000181",
        "12.ABC.345/01DE-35",
        "12abc34501de35",
    ],
)
def test_it_accepts_valid_cpf_and_cnpj_typed_any_way(value):
    validate_document(value)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("529.982.247-24", "invalid"),  # wrong check digit
        ("111.111.111-11", "invalid"),  # passes the digits, but is a known fake
        ("00000000000000", "invalid"),
        ("11.222.333/0001-82", "invalid"),
        ("12.ABC.345/01DE-36", "invalid"),
        ("1234", "invalid_length"),
        ("", "invalid"),
    ],
)
def test_it_rejects_bad_documents_with_a_ptbr_message(value, code):
    with pytest.raises(ValidationError) as error:
        validate_document(value)
    assert error.value.code == code
    assert "CPF" in error.value.messages[0]


def test_it_normalises_to_upper_case_without_punctuation():
    assert normalize_document(" 12.abc.345/01de-35 ") == "12ABC34501DE35"


def test_it_formats_cpf_and_cnpj():
    assert format_document("52998224725") == "529.982.247-25"
    assert format_document("12ABC34501DE35") == "12.ABC.345/01DE-35"


def test_generated_documents_pass_the_library_validators():
    validate_document(cpf_from_base("123456789"))
    validate_document(cnpj_from_base("12ABC34501DE"))
    assert cnpj_from_base("12ABC34501DE") == "12ABC34501DE35"  # Receita Federal's example


@pytest.mark.parametrize(
    "document",
    [cpf_from_base("529982247"), cnpj_from_base("112223330001"), "12ABC34501DE35", "1234"],
)
def test_the_sql_formatting_agrees_with_format_document(partner_a, make_client, document):
    client = make_client(partner_a, cpf_cnpj=document, registered_on=datetime.date(2024, 2, 9))
    row = Client.objects.filter(pk=client.pk).annotate(
        document=DocumentText("cpf_cnpj"), registered=DateText("registered_on")
    )
    assert list(row.values_list("document", "registered")) == [
        (format_document(document), render_date(client.registered_on))
    ]


@given(
    st.one_of(
        st.text(alphabet="0123456789", min_size=11, max_size=11),
        st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=12, max_size=12).map(
            lambda base: base + "00"
        ),
        st.builds(
            lambda base: cnpj_from_base(base),
            st.text(alphabet="0123456789AB", min_size=12, max_size=12),
        ),
        st.builds(
            lambda base: cpf_from_base(base), st.text(alphabet="0123456789", min_size=9, max_size=9)
        ),
        st.text(alphabet="0123456789A", min_size=14, max_size=14),
    )
)
def test_it_agrees_with_django_localflavors_validators(document):
    # The check digits are computed in clients.domain.documents (for speed); localflavor is the
    # oracle.
    library = BRCPFValidator() if len(document) == 11 else BRCNPJValidator()
    try:
        library(document)
        library_accepts = len(set(document)) > 1
    except ValidationError:
        library_accepts = False
    try:
        validate_document(document)
        accepts = True
    except ValidationError:
        accepts = False
    assert accepts == library_accepts
