"""Crédito (/clientes/credito/): the balance and the extrato — entries newest first, by month
and kind, paged, exported as CSV; every role sees it; only the partner's own entries and
clients, whatever the filters say."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from clients.models import CreditEntry, EntryKind, Module, Price, Product
from clients.screen.credit import decimal_reais
from clients.services import client_renew
from clients.services.credit import credit_add
from partners.models import Role
from tests.fuzz import assert_escaped, assert_no_server_error, fuzz_settings, text

URL = reverse("clients:credit")
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
BETA_SHOP = "Padaria Só da Beta"
BETA_NOTE = "Depósito secreto da Beta"


def at(day: str, hour: int = 10):
    moment = datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=SAO_PAULO)
    return time_machine.travel(moment, tick=False)


def shown(response) -> list[tuple[str, int]]:
    """(kind, amount) of each row of the page."""
    rows = response.context["table"].page.object_list
    return [(row.record.kind, row.record.amount) for row in rows]


def exported(response) -> list[list[str]]:
    text_ = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text_), delimiter=";"))


@pytest.fixture
def prices(db):
    for product in Product:
        Price.objects.create(
            product=product, module=Module.MAIN, monthly=4990, valid_from=datetime.date(2026, 1, 1)
        )


@pytest.fixture
def ledger(
    partner_a, partner_b, partner_a_user, partner_b_user, staff_user, make_client_in, prices
):
    """Partner A: R$ 1.000,00 added in March, a renewal in April (1 license), R$ 200,00 added
    and a renewal (2 licenses) in May. Partner B: credit and a renewal of its own in May."""
    with at("2026-03-10"):
        credit_add(partner=partner_a, amount=100000, by=staff_user, description="Pagamento março")
    with at("2026-04-05"):
        padaria = make_client_in(partner_a, "ativo", name="Padaria Estrela")
        client_renew(client=padaria, by=partner_a_user)
    with at("2026-05-12", hour=23):  # 23:00 in São Paulo is already the 13th in UTC
        credit_add(partner=partner_a, amount=20000, by=staff_user, description="=Pagamento maio")
        mercado = make_client_in(partner_a, "ativo", name="Mercado Sol", licenses=2)
        client_renew(client=mercado, by=partner_a_user)
        credit_add(partner=partner_b, amount=777777, by=staff_user, description=BETA_NOTE)
        beta = make_client_in(partner_b, "ativo", name=BETA_SHOP)
        client_renew(client=beta, by=partner_b_user)
    return {"padaria": padaria, "mercado": mercado, "beta": beta}


@pytest.fixture
def on_may_15():
    with at("2026-05-15", hour=12):
        yield


def test_it_shows_the_balance_and_the_extrato_newest_first(client_a, ledger, on_may_15):
    page = client_a.get(URL)
    assert page.status_code == 200
    # 1.000,00 − 49,90 + 200,00 − 99,80
    assert "Saldo atual: <strong" in page.text and "R$ 1.050,30" in page.text
    assert shown(page) == [
        (EntryKind.RENEWAL, -9980),
        (EntryKind.CREDIT, 20000),
        (EntryKind.RENEWAL, -4990),
        (EntryKind.CREDIT, 100000),
    ]
    html = page.text
    assert "12/05/2026 23:00" in html  # local time
    assert "+R$ 200,00" in html and "-R$ 99,80" in html and "text-danger" in html
    assert "Renovação até" in html and "Crédito adicionado" in html
    mercado = ledger["mercado"]
    entry = CreditEntry.objects.get(client=mercado)
    assert f'href="{reverse("clients:detail", args=[mercado.pk])}">Mercado Sol</a>' in html
    assert f"{reverse('clients:history', args=[mercado.pk])}#evento-{entry.event_id}" in html
    history = client_a.get(reverse("clients:history", args=[mercado.pk]))
    assert f'id="evento-{entry.event_id}"' in history.text
    assert 'aria-current="page" href="/clientes/credito/">Crédito</a>' in html


def test_filters_by_month_and_kind_with_the_months_totals(client_a, ledger, on_may_15):
    page = client_a.get(URL, {"mes": "2026-05"})
    assert shown(page) == [(EntryKind.RENEWAL, -9980), (EntryKind.CREDIT, 20000)]
    assert "Totais de maio de 2026" in page.text
    assert page.context["totals"] == {"entradas": "R$ 200,00", "saidas": "R$ 99,80"}
    assert shown(client_a.get(URL, {"mes": "2026-04"})) == [(EntryKind.RENEWAL, -4990)]
    assert shown(client_a.get(URL, {"tipo": "credito"})) == [
        (EntryKind.CREDIT, 20000),
        (EntryKind.CREDIT, 100000),
    ]
    page = client_a.get(URL, {"mes": "2026-03", "tipo": "renovacao"})
    assert shown(page) == []
    assert "Nenhum lançamento encontrado." in page.text
    # The months from the first entry's through this one, newest first.
    months = page.context["filter"].form.fields["mes"].choices
    assert [value for value, _ in months] == ["", "2026-05", "2026-04", "2026-03"]


@pytest.mark.parametrize(
    "query",
    [
        {"mes": "2026-13"},
        {"mes": "2025-12"},  # before the first entry
        {"mes": "maio"},
        {"tipo": "bonus"},
        {"page": "abc"},
        {"page": "999"},
    ],
)
def test_bad_filters_are_explained_and_ignored(client_a, ledger, on_may_15, query):
    page = client_a.get(URL, query)
    assert page.status_code in (200, 404)
    if "page" not in query:
        assert "Faça uma escolha válida" in page.text
        assert len(shown(page)) == 4  # the filter is ignored
        assert page.context["totals"] is None


def test_without_entries_the_balance_is_zero(client_a, partner_a):
    page = client_a.get(URL)
    assert 'Saldo atual: <strong class="text-nowrap">R$ 0,00</strong>' in page.text
    assert "Nenhum lançamento encontrado." in page.text


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.VIEWER])
def test_every_role_sees_and_exports_it(client, partner_a, make_member, ledger, role):
    client.force_login(make_member(partner_a, "membro", role=role))
    assert client.get(URL).status_code == 200
    assert len(exported(client.get(URL, {"_export": "csv"}))) == 5


def test_another_partners_entries_never_show(client_a, ledger, on_may_15):
    beta_pk = ledger["beta"].pk
    for query in (
        {},
        {"mes": "2026-05"},
        {"tipo": "credito"},
        {"tipo": "renovacao"},
        {"mes": "2026-05", "tipo": "renovacao"},
        {"partner": ledger["beta"].partner_id, "cliente": beta_pk},
    ):
        page = client_a.get(URL, query)
        assert BETA_SHOP not in page.text and BETA_NOTE not in page.text, query
        assert "7.777,77" not in page.text and f"/clientes/{beta_pk}/" not in page.text
        assert {e.partner_id for e in (r.record for r in page.context["table"].page)} == {
            ledger["padaria"].partner_id
        }
        body = b"".join(client_a.get(URL, {**query, "_export": "csv"}).streaming_content)
        assert BETA_SHOP.encode() not in body and BETA_NOTE.encode() not in body, query
        assert b"7777,77" not in body


def test_a_client_of_another_partner_is_never_named_or_linked(
    client_a, partner_a, ledger, on_may_15
):
    """Even an entry that (against the services' rule) names another partner's client shows
    neither its name nor a link to it, on the page or in the CSV."""
    beta = ledger["beta"]
    CreditEntry.objects.bulk_create(
        [
            CreditEntry(
                partner=partner_a,
                kind=EntryKind.PROPORTIONAL,
                amount=-100,
                balance_after=104930,
                client=beta,
                description="Lançamento inconsistente",
            )
        ]
    )
    page = client_a.get(URL)
    assert "Lançamento inconsistente" in page.text
    assert BETA_SHOP not in page.text and f"/clientes/{beta.pk}/" not in page.text
    rows = exported(client_a.get(URL, {"_export": "csv"}))
    (row,) = [row for row in rows if row[2] == "Lançamento inconsistente"]
    assert row[3:6] == ["", "", ""]


def test_it_pages_by_fifty_with_the_same_queries_for_one_row_or_many(
    client_a, partner_a, staff_user, on_may_15, make_client_in
):
    """Queries: the session, the user, the member (middleware); the oldest entry (the
    months), the balance, the count, the page's rows with their clients."""
    shop = make_client_in(partner_a, "ativo")
    credit_add(partner=partner_a, amount=100, by=staff_user)
    with CaptureQueriesContext(connection) as one:
        client_a.get(URL)
    now = datetime.datetime(2026, 5, 1, tzinfo=SAO_PAULO)
    CreditEntry.objects.bulk_create(
        CreditEntry(
            partner=partner_a,
            kind=EntryKind.PROPORTIONAL,
            amount=-1,
            balance_after=100,
            client=shop,
            description=f"Lançamento {n}",
            at=now - datetime.timedelta(hours=n),
        )
        for n in range(60)
    )
    with CaptureQueriesContext(connection) as many:
        page = client_a.get(URL)
    assert len(page.context["table"].page.object_list) == 50
    assert len(one) == len(many) == 7
    assert len(shown(client_a.get(URL, {"page": 2}))) == 11
    # A month adds its totals: one query.
    with CaptureQueriesContext(connection) as month:
        client_a.get(URL, {"mes": "2026-04"})
    assert len(month) == 8


def test_the_csv_has_the_filtered_extrato_in_reais_and_no_formula(client_a, ledger, on_may_15):
    response = client_a.get(URL, {"_export": "csv", "mes": "2026-05"})
    assert response["Content-Disposition"] == ('attachment; filename="extrato-credito-2026-05.csv"')
    header, *rows = exported(response)
    assert header == [
        "Data",
        "Tipo",
        "Descrição",
        "ID do cliente",
        "Cliente",
        "CPF/CNPJ",
        "Valor (R$)",
        "Saldo depois (R$)",
    ]
    mercado = ledger["mercado"]
    assert rows[0][:2] == ["12/05/2026 23:00", "Renovação"]
    assert rows[0][3:5] == [str(mercado.pk), "Mercado Sol"]
    assert rows[0][6:] == ["-99,80", "1050,30"]
    # A description that looks like a formula is text to a spreadsheet.
    assert rows[1][1:3] == ["Crédito adicionado", "'=Pagamento maio"]
    assert rows[1][3:] == ["", "", "", "200,00", "1150,10"]
    assert len(rows) == 2


@pytest.mark.parametrize(
    ("centavos", "text_"),
    [(0, "0,00"), (5, "0,05"), (-5, "-0,05"), (4990, "49,90"), (-123456789, "-1234567,89")],
)
def test_csv_amounts_are_decimal_reais_with_a_comma(centavos, text_):
    assert decimal_reais(centavos) == text_


@given(
    query=st.fixed_dictionaries(
        {},
        optional={
            "mes": st.one_of(st.sampled_from(["2026-05", "2026-13", "0000-00", "9999-99"]), text),
            "tipo": st.one_of(st.sampled_from([*EntryKind.values, "CREDITO"]), text),
            "page": st.one_of(st.sampled_from(["1", "2", "-1", "abc", "9" * 30]), text),
            "_export": st.sampled_from(["csv", "xlsx", ""]),
        },
    )
)
@fuzz_settings(max_examples=40)
def test_the_credit_page_survives_any_query(client_a, ledger, query):
    response = client_a.get(URL, query)
    assert_no_server_error(response)
    assert_escaped(response)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert BETA_SHOP.encode() not in body and BETA_NOTE.encode() not in body
