"""+ Novo cliente: GET/POST /clientes/novo/."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from clients.domain.codes import CODE_ALPHABET
from clients.domain.status import DUPLICATE_REASON, Status
from clients.models import Client, ClientEvent, Product, RegistrationCode, Renewal
from tests.client_actions import messages_of

URL = reverse("clients:new")
CNPJ = "11.222.333/0001-81"
CODE = re.compile(rf"^[{CODE_ALPHABET}]{{5}}(-[{CODE_ALPHABET}]{{5}}){{3}}$")

pytestmark = pytest.mark.usefixtures("action_day")


def new_client_data(**overrides):
    data = {
        "name": "Mercado Novo",
        "cpf_cnpj": CNPJ,
        "email": "contato@mercadonovo.com.br",
        "uf": "SP",
        "city": "campinas",
        "product": Product.NAVI,
        "renewal": Renewal.MANUAL,
        "principal": 2,
    }
    return {**data, **overrides}


def errors_of(response):
    assert response.status_code == 200
    return {**response.context["form"].errors, **response.context["licenses_form"].errors}


def test_it_shows_the_form(client_a):
    page = client_a.get(URL)
    assert page.status_code == 200
    assert "Novo cliente" in page.text
    assert 'name="cpf_cnpj"' in page.text and 'name="product"' in page.text


def test_a_new_client_is_active_for_one_calendar_month(client_a, partner_a, partner_a_user):
    response = client_a.post(URL, new_client_data())
    assert response.status_code == 302
    assert response.url == reverse("clients:list")
    shop = Client.objects.get(name="Mercado Novo")
    assert shop.partner == partner_a
    assert (shop.cpf_cnpj, shop.city) == ("11222333000181", "Campinas")
    assert (shop.registered_on, shop.expires_on) == (
        datetime.date(2026, 3, 18),
        datetime.date(2026, 4, 18),
    )
    assert shop.status == Status.ACTIVE
    assert shop.licenses.get(module="principal").quantity == 2
    assert not shop.registration_codes.exists()  # Navi
    event = ClientEvent.objects.get(client=shop)
    assert (event.action, event.actor, event.after["status"]) == (
        "cadastrar",
        partner_a_user,
        "ativo",
    )
    assert messages_of(response) == ["Mercado Novo foi cadastrado, ativo até 18/04/2026."]


def test_the_31st_of_january_gives_the_end_of_february(client, partner_a_user):
    with time_machine.travel(datetime.datetime(2026, 1, 31, 15, tzinfo=datetime.UTC)):
        client.force_login(partner_a_user)
        client.post(URL, new_client_data())
    assert Client.objects.get().expires_on == datetime.date(2026, 2, 28)


def test_a_link_client_gets_a_registration_code(client_a):
    response = client_a.post(URL, new_client_data(product=Product.LINK, link_movel=1, cloud="on"))
    shop = Client.objects.get()
    code = RegistrationCode.objects.get(client=shop)
    assert CODE.match(code.code) and code.consumed_at is None
    assert messages_of(response) == [
        f"Mercado Novo foi cadastrado, ativo até 18/04/2026. Código de registro: {code.code}"
    ]
    assert shop.licenses.get(module="link_movel").quantity == 1


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("529.982.247-25", "52998224725"),
        ("52998224725", "52998224725"),
        ("11.222.333/0001-81", "11222333000181"),
        ("12.abc.345/01de-35", "12ABC34501DE35"),
        (" 12ABC345 01DE35 ", "12ABC34501DE35"),
    ],
)
def test_a_valid_cpf_or_cnpj_is_stored_normalised(client_a, typed, stored):
    assert client_a.post(URL, new_client_data(cpf_cnpj=typed)).status_code == 302
    assert Client.objects.get().cpf_cnpj == stored


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("529.982.247-26", "CPF/CNPJ inválido: confira os dígitos verificadores."),
        ("111.111.111-11", "CPF/CNPJ inválido: confira os dígitos verificadores."),
        ("12.ABC.345/01DE-36", "CPF/CNPJ inválido: confira os dígitos verificadores."),
        ("1234", "Informe um CPF (11 dígitos) ou um CNPJ (14 caracteres)."),
        ("", "Este campo é obrigatório."),
    ],
)
def test_a_bad_cpf_or_cnpj_is_refused(client_a, typed, message):
    errors = errors_of(client_a.post(URL, new_client_data(cpf_cnpj=typed)))
    assert errors == {"cpf_cnpj": [message]}
    assert not Client.objects.exists()


def test_the_same_document_under_another_partner_is_saved_as_pending(
    client_a, partner_b, make_client
):
    make_client(partner_b, cpf_cnpj="11222333000181", product=Product.NAVI)
    response = client_a.post(URL, new_client_data())
    assert response.status_code == 302
    shop = Client.objects.get(name="Mercado Novo")
    assert shop.status == Status.PENDING
    assert shop.pending_reason == DUPLICATE_REASON
    assert messages_of(response) == [
        f"Mercado Novo foi cadastrado como Pendente: {DUPLICATE_REASON} "
        "O fornecedor vai analisar o cadastro."
    ]


def test_the_same_document_for_another_product_is_not_a_duplicate(client_a, partner_b, make_client):
    make_client(partner_b, cpf_cnpj="11222333000181", product=Product.LINK)
    client_a.post(URL, new_client_data(product=Product.NAVI))
    assert Client.objects.get(name="Mercado Novo").status == Status.ACTIVE


def test_the_same_partner_registering_it_twice_gets_a_form_error(client_a, partner_a, make_client):
    make_client(partner_a, cpf_cnpj="11222333000181", product=Product.NAVI)
    errors = errors_of(client_a.post(URL, new_client_data(cpf_cnpj="11222333000181")))
    assert errors == {"cpf_cnpj": ["Você já tem um cliente Navi com este CPF/CNPJ."]}
    assert Client.objects.count() == 1


def test_form_errors_save_nothing(client_a):
    errors = errors_of(
        client_a.post(
            URL,
            new_client_data(
                name="", uf="RJ", city="Campinas", product=Product.NAVI, link_garcom=1, principal=-1
            ),
        )
    )
    assert errors == {
        "name": ["Este campo é obrigatório."],
        "city": ["“Campinas” não é um município de RJ."],
        "principal": ["Certifique-se que este valor seja maior ou igual a 1."],
    }
    # Link-only modules are checked once the counts themselves are valid.
    errors = errors_of(client_a.post(URL, new_client_data(link_garcom=1)))
    assert errors == {"link_garcom": ["Módulo disponível só para clientes Link."]}
    assert not Client.objects.exists()


def test_a_missing_product_is_refused(client_a):
    errors = errors_of(client_a.post(URL, new_client_data(product="")))
    assert errors == {"product": ["Este campo é obrigatório."]}


def test_the_client_belongs_to_the_signed_in_partner_whatever_is_posted(
    client_a, partner_a, partner_b
):
    client_a.post(URL, {**new_client_data(), "partner": partner_b.pk})
    assert Client.objects.get().partner == partner_a


def test_anonymous_users_are_sent_to_sign_in(client, db):
    for response in (client.get(URL), client.post(URL, new_client_data())):
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not Client.objects.exists()
