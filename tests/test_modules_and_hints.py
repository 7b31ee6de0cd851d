"""The vendor's auxiliary Link modules, and the warnings on the Clientes rows."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from clients.domain.modules import COUNTED_MODULES, ON_OFF_MODULES, validate_quantities
from clients.models import Certificate, License, Module, Product

URL = reverse("clients:list")


def test_weighing_and_kitchen_monitor_are_counted_and_stock_count_is_on_or_off():
    assert {Module.AUTOMATIC_WEIGHING, Module.KITCHEN_MONITOR} <= COUNTED_MODULES
    assert Module.STOCK_COUNT in ON_OFF_MODULES
    validate_quantities(
        Product.LINK,
        {
            Module.MAIN: 2,
            Module.AUTOMATIC_WEIGHING: 3,
            Module.KITCHEN_MONITOR: 2,
            Module.STOCK_COUNT: 1,
        },
    )
    with pytest.raises(ValidationError) as error:
        validate_quantities(Product.LINK, {Module.MAIN: 1, Module.STOCK_COUNT: 2})
    assert Module.STOCK_COUNT in error.value.message_dict


@pytest.mark.parametrize(
    "module", [Module.AUTOMATIC_WEIGHING, Module.KITCHEN_MONITOR, Module.STOCK_COUNT]
)
def test_they_are_link_only(module):
    with pytest.raises(ValidationError) as error:
        validate_quantities(Product.NAVI, {Module.MAIN: 1, module: 1})
    assert error.value.message_dict[module] == ["Módulo disponível só para clientes Link."]


def test_the_licenses_form_offers_them(client_a, today):
    page = client_a.get(reverse("clients:new")).text
    for label in ("Pesagem Automática", "Monitor de Cozinha", "Link Balanço Estoque"):
        assert label in page


def test_the_link_details_list_the_modules(client_a, partner_a, make_client, today):
    link = make_client(partner_a, product=Product.LINK, licenses=2)
    License.objects.create(client=link, module=Module.KITCHEN_MONITOR, quantity=3)
    License.objects.create(client=link, module=Module.STOCK_COUNT, quantity=1)
    License.objects.create(client=link, module=Module.WAITER, quantity=0)
    page = client_a.get(URL).text
    assert "<dt>Licenças</dt><dd>2 licenças</dd>" in page
    assert "<dt>Módulos</dt><dd>Link Balanço Estoque, Monitor de Cozinha (3)</dd>" in page


def test_navi_rows_carry_the_certificates_validity(client_a, partner_a, make_client, today):
    noon = timezone.now()
    for name, days in (("Vencido", -2), ("Vence Logo", 10), ("Vence Amanhã", 1), ("Válido", 200)):
        navi = make_client(partner_a, name=name, product=Product.NAVI)
        Certificate.objects.create(
            client=navi,
            holder=name,
            cnpj=navi.cpf_cnpj,
            issuer="AC",
            serial_number="1",
            fingerprint="0" * 64,
            valid_from=noon - datetime.timedelta(days=365),
            valid_until=noon + datetime.timedelta(days=days),
            encrypted_file="x",
            encrypted_password="x",
        )
    make_client(partner_a, name="Sem Certificado", product=Product.NAVI)
    page = client_a.get(URL).text
    for name, hint in (
        ("Vencido", "certificado vencido"),
        ("Vence Logo", "certificado vence em 10 dias"),
        ("Vence Amanhã", "certificado vence em 1 dia"),
        ("Válido", "certificado válido"),
        ("Sem Certificado", "sem certificado"),
    ):
        row = name_cell(page, name)
        assert hint in row, name


def test_link_rows_say_how_long_they_have_been_silent_and_their_version(
    client_a, partner_a, make_client, today
):
    now = timezone.now()
    make_client(
        partner_a,
        name="Calado",
        product=Product.LINK,
        license_key="K1",
        link_version="4.8.1",
        last_seen_at=now - datetime.timedelta(days=20),
    )
    make_client(
        partner_a,
        name="Recente",
        product=Product.LINK,
        license_key="K2",
        link_version="4.10",
        last_seen_at=now - datetime.timedelta(days=2),
    )
    page = client_a.get(URL).text
    calado = name_cell(page, "Calado")
    assert "sem contato há 20 dias" in calado and "versão 4.8.1" in calado
    recente = name_cell(page, "Recente")
    assert "sem contato" not in recente and "versão 4.10" in recente


def test_clients_not_in_use_carry_no_warning(client_a, partner_a, make_client, today):
    make_client(
        partner_a, name="Inativo Navi", product=Product.NAVI, expires_on=datetime.date(2026, 3, 1)
    )
    page = client_a.get(URL).text
    assert 'class="row-hint"' not in name_cell(page, "Inativo Navi")


def name_cell(page: str, name: str) -> str:
    """What the Nome cell of the client called `name` holds after its link."""
    return page.split(f">{name}</a>", 1)[1].split("</td>", 1)[0]
