"""The shared confirmation page: GET /clientes/<pk>/confirmar/<action>/."""

import pytest
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.status import Status
from tests.client_actions import Unchanged, action_url, messages_of

pytestmark = pytest.mark.usefixtures("action_day")


def confirm_url(client, action, **query):
    url = reverse("clients:confirm", args=[client.pk, action])
    return url + ("?next=" + query["next"] if query else "")


@pytest.mark.parametrize(
    ("status", "action", "question", "button"),
    [
        (Status.ACTIVE, Action.SUSPEND, "Suspender Bar Lua?", "Suspender"),
        (Status.INACTIVE, Action.HIDE, "Ocultar Bar Lua?", "Ocultar"),
        (Status.EXPIRED, Action.RENEW, "Renovar Bar Lua?", "Renovar"),
        (Status.SUSPENDED, Action.UNSUSPEND, "Cancelar a suspensão de Bar Lua?", "Cancelar"),
        (Status.HIDDEN, Action.UNHIDE, "Reexibir Bar Lua?", "Reexibir"),
    ],
)
def test_it_asks_before_acting_and_posts_to_the_action(
    client_a, partner_a, make_client_in, status, action, question, button
):
    shop = make_client_in(partner_a, status, name="Bar Lua")
    with Unchanged(shop):
        page = client_a.get(confirm_url(shop, action))
    assert page.status_code == 200
    assert question in page.text
    assert f'<form method="post" action="{action_url(action, shop)}"' in page.text
    assert f">{button}" in page.text


def test_renovar_says_until_when(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.EXPIRED)  # due 17/03/2026
    page = client_a.get(confirm_url(shop, Action.RENEW))
    assert "O vencimento passa de 17/03/2026 para 17/04/2026." in page.text


def test_it_keeps_the_lists_address_to_go_back_to(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    back = reverse("clients:list") + "?status=ativo"
    page = client_a.get(confirm_url(shop, Action.SUSPEND, next="/clientes/%3Fstatus%3Dativo"))
    assert f'<input type="hidden" name="next" value="{back}">' in page.text


def test_an_action_not_allowed_now_is_refused(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE)
    response = client_a.get(confirm_url(shop, Action.SUSPEND))
    assert response.status_code == 302
    assert messages_of(response) == ["“Suspender” não está disponível para um cliente Inativo."]


@pytest.mark.parametrize("action", ["editar", "reativar", "certificado", "apagar"])
def test_an_action_without_confirmation_is_not_found(client_a, partner_a, make_client_in, action):
    shop = make_client_in(partner_a, Status.ACTIVE)
    assert client_a.get(confirm_url(shop, action)).status_code == 404


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.ACTIVE)
    assert client_a.get(confirm_url(theirs, Action.SUSPEND)).status_code == 404


# Renovar's charge (Renovação manual: a month of licenses from the partner's credit).


@pytest.fixture
def license_price(db):
    from clients.models import Module, Price, Product

    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=50_00, valid_from="2026-01-01"
    )


def give_credit(partner, amount):
    from clients.services.credit import credit_add

    credit_add(partner=partner, amount=amount, by=None)


@pytest.mark.usefixtures("license_price")
def test_renovar_shows_its_charge_and_the_balance_after(client_a, partner_a, make_client_in):
    give_credit(partner_a, 400_00)
    shop = make_client_in(partner_a, Status.EXPIRED, licenses=3)
    page = client_a.get(confirm_url(shop, Action.RENEW))
    assert (
        "Esta renovação custa R$ 150,00 (3 licenças × R$ 50,00); saldo atual R$ 400,00 → "
        "R$ 250,00." in page.text
    )
    assert f'<form method="post" action="{action_url(Action.RENEW, shop)}"' in page.text
    assert ">Renovar</button>" in page.text


@pytest.mark.usefixtures("license_price")
def test_renovar_without_enough_credit_says_what_is_missing_and_offers_no_button(
    client_a, partner_a, make_client_in
):
    give_credit(partner_a, 100_00)
    shop = make_client_in(partner_a, Status.EXPIRED, licenses=3)
    with Unchanged(shop):
        page = client_a.get(confirm_url(shop, Action.RENEW))
    assert page.status_code == 200
    assert (
        "Esta renovação custa R$ 150,00 (3 licenças × R$ 50,00) e o saldo atual é R$ 100,00: "
        "faltam R$ 50,00." in page.text
    )
    assert ">Renovar</button>" not in page.text
    assert 'role="alert"' in page.text


def test_renovar_without_prices_says_it_uses_no_credit(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.EXPIRED, licenses=3)
    page = client_a.get(confirm_url(shop, Action.RENEW))
    assert "Esta renovação não usa crédito." in page.text
    assert ">Renovar</button>" in page.text
