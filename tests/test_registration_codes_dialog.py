"""The unused registration codes ("Visualizar" on the Clientes screen)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Product, RegistrationCode

URL = reverse("clients:registration-codes")


@pytest.fixture
def codes(partner_a, partner_b, make_client):
    padaria = make_client(partner_a, name="Padaria Nova", product=Product.LINK)
    mercado = make_client(partner_a, name="Mercado Novo", product=Product.LINK)
    used = make_client(partner_a, name="Loja Ativada", product=Product.LINK)
    other = make_client(partner_b, name="Bar da Beta", product=Product.LINK)
    return {
        "padaria": RegistrationCode.objects.create(client=padaria),
        "mercado": RegistrationCode.objects.create(client=mercado),
        "used": RegistrationCode.objects.create(client=used, consumed_at=timezone.now()),
        "other": RegistrationCode.objects.create(client=other),
    }


def test_it_lists_each_client_with_its_unused_code(client_a, codes):
    response = client_a.get(URL)
    assert response.status_code == 200
    page = response.text
    assert page.index("Mercado Novo") < page.index("Padaria Nova")  # by client name
    assert codes["padaria"].code in page and codes["mercado"].code in page
    assert "Loja Ativada" not in page and codes["used"].code not in page


def test_it_never_shows_another_partners_codes(client_a, codes):
    for headers in ({}, {"X-Fragment": "1"}):
        page = client_a.get(URL, headers=headers).text
        assert "Bar da Beta" not in page
        assert codes["other"].code not in page


def test_the_dialog_asks_for_the_list_alone(client_a, codes):
    response = client_a.get(URL, headers={"X-Fragment": "1"})
    assert "<html" not in response.text
    assert codes["padaria"].code in response.text
    assert "X-Fragment" in response["Vary"]
    assert "<html" in client_a.get(URL).text  # without JavaScript: a page of its own


def test_it_pages_a_hundred_codes_at_a_time(client_a, partner_a, make_client):
    for n in range(105):
        RegistrationCode.objects.create(
            client=make_client(partner_a, name=f"Cliente {n:03d}", product=Product.LINK)
        )
    first = client_a.get(URL).text
    assert "Cliente 099" in first and "Cliente 100" not in first
    assert f'href="{URL}?page=2"' in first
    second = client_a.get(URL + "?page=2").text
    assert "Cliente 104" in second and "Cliente 099" not in second


@pytest.mark.parametrize("page", ["0", "-1", "abc", "99999"])
def test_a_bad_page_number_shows_a_page(client_a, codes, page):
    assert client_a.get(URL, {"page": page}).status_code == 200


def test_without_unused_codes_it_says_so(client_a, partner_a):
    assert "Todos os códigos de registro já foram utilizados" in client_a.get(URL).text


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
