"""The client form's errors (Editar, Reativar and + Novo cliente share it): pt-BR, nothing saved."""

import pytest

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import Product
from clients.screen.forms import LicensesForm
from tests.client_actions import Unchanged, action_url, form_data

pytestmark = pytest.mark.usefixtures("action_day")


@pytest.fixture
def shop(partner_a, make_client_in):
    return make_client_in(partner_a, Status.ACTIVE, product=Product.LINK)


def errors_after_posting(client_a, shop, **changes):
    with Unchanged(shop):
        page = client_a.post(action_url(Action.EDIT, shop), {**form_data(shop), **changes})
    assert page.status_code == 200
    return {**page.context["form"].errors, **page.context["licenses_form"].errors}


def test_a_city_of_another_uf_is_refused(client_a, shop):
    errors = errors_after_posting(client_a, shop, uf="RJ", city="Campinas")
    assert errors == {"city": ["“Campinas” não é um município de RJ."]}


def test_a_made_up_city_is_refused(client_a, shop):
    errors = errors_after_posting(client_a, shop, uf="SP", city="Cidade Inventada")
    assert errors == {"city": ["“Cidade Inventada” não é um município de SP."]}


def test_an_unknown_uf_is_refused(client_a, shop):
    errors = errors_after_posting(client_a, shop, uf="XX", city="São Paulo")
    assert "uf" in errors


def test_negative_counts_are_refused(client_a, shop):
    errors = errors_after_posting(client_a, shop, principal=-1, link_garcom=-2)
    assert errors == {
        "principal": ["Certifique-se que este valor seja maior ou igual a 1."],
        "link_garcom": ["Certifique-se que este valor seja maior ou igual a 0."],
    }


def test_a_count_that_is_not_a_number_is_refused(client_a, shop):
    errors = errors_after_posting(client_a, shop, principal="três")
    assert errors == {"principal": ["Informe um número inteiro."]}


def test_link_movel_without_cloud_is_refused(client_a, shop):
    errors = errors_after_posting(client_a, shop, link_movel=2)
    assert errors == {"link_movel": ["Link Móvel requer o módulo Cloud."]}


def test_link_movel_with_cloud_is_accepted(client_a, shop):
    response = client_a.post(
        action_url(Action.EDIT, shop), {**form_data(shop), "link_movel": 2, "cloud": "on"}
    )
    assert response.status_code == 302
    assert shop.licenses.get(module="link_movel").quantity == 2


def test_the_errors_are_shown_next_to_their_fields(client_a, shop):
    page = client_a.post(
        action_url(Action.EDIT, shop), {**form_data(shop), "city": "Niterói", "link_movel": 1}
    )
    assert "“Niterói” não é um município de SP." in page.text
    assert "Link Móvel requer o módulo Cloud." in page.text
    assert page.text.count('aria-invalid="true"') == 2


def test_link_only_modules_are_refused_for_navi():
    form = LicensesForm({"principal": 1, "link_garcom": 1}, product=Product.NAVI)
    assert form.errors == {"link_garcom": ["Módulo disponível só para clientes Link."]}
