"""The renewal method and the renewal's cost on the screens: the Clientes column, the client
page and Renovação (15 May 2026)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Module, Price, Product, Renewal
from clients.services.credit import credit_add

pytestmark = pytest.mark.usefixtures("today")

RENEWALS = reverse("clients:renewals")


@pytest.fixture
def license_price(db):
    for product in Product:
        Price.objects.create(
            product=product, module=Module.MAIN, monthly=50_00, valid_from="2026-01-01"
        )


def test_the_clientes_list_shows_each_clients_renewal_method(client_a, partner_a, make_client):
    make_client(partner_a, name="Manual")
    make_client(partner_a, name="Cobrança", renewal=Renewal.BILLING)
    page = client_a.get(reverse("clients:list")).text
    assert '<a class="sort-link" href="?sort=renewal">Renovação</a>' in page
    assert '<td class="col-wide">Renovação manual</td>' in page
    assert '<td class="col-wide">Gestão de cobranças</td>' in page


@pytest.mark.usefixtures("license_price")
def test_the_client_page_says_what_a_manual_renewal_costs(client_a, partner_a, make_client):
    shop = make_client(partner_a, licenses=2)
    page = client_a.get(reverse("clients:detail", args=[shop.pk])).text
    assert "Renovação manual" in page
    assert "Cada renovação usa R$ 100,00 do seu crédito (2 licenças × R$ 50,00)." in page


@pytest.mark.usefixtures("license_price")
def test_the_client_page_says_the_vendor_renews_a_gestao_de_cobrancas_client(
    client_a, partner_a, make_client
):
    shop = make_client(partner_a, renewal=Renewal.BILLING)
    page = client_a.get(reverse("clients:detail", args=[shop.pk])).text
    assert "Gestão de cobranças" in page
    assert "O fornecedor renova este cliente quando o cliente final paga" in page


@pytest.mark.usefixtures("license_price")
def test_renovacao_shows_each_cost_the_balance_and_who_renews_the_others(
    client_a, partner_a, make_client
):
    credit_add(partner=partner_a, amount=1234_56, by=None)
    make_client(partner_a, expires_on=datetime.date(2026, 5, 3), licenses=3)
    page = client_a.get(RENEWALS).text
    assert "Custo da renovação" in page
    assert '<td class="col-wide text-end">R$ 150,00</td>' in page
    assert "saldo atual <strong>R$ 1.234,56</strong>" in page
    assert "Clientes com Gestão de cobranças não aparecem aqui" in page


@pytest.mark.usefixtures("license_price")
def test_renovacao_reads_the_same_queries_for_1_or_20_rows(client_a, partner_a, make_client):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client_a.get(RENEWALS).status_code == 200
        return len(queries)

    make_client(partner_a, expires_on=datetime.date(2026, 5, 3), licenses=2)
    one = count()
    for day in range(4, 23):
        make_client(partner_a, expires_on=datetime.date(2026, 5, day), licenses=2)
    assert count() == one
