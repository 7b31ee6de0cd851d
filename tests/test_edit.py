"""Editar: GET/POST /clientes/<pk>/editar/ (Ativo, Suspenso)."""

import datetime

import pytest
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent, License, Module, Product, Renewal
from tests.client_actions import (
    Unchanged,
    action_url,
    form_data,
    messages_of,
    refused_statuses,
)

pytestmark = pytest.mark.usefixtures("action_day")


def test_it_shows_the_form_with_the_clients_data(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Mercado Sol", city="Campinas")
    page = client_a.get(action_url(Action.EDIT, shop))
    assert page.status_code == 200
    assert page.context["form"]["name"].value() == "Mercado Sol"
    assert page.context["licenses_form"]["principal"].value() == 1
    # The UF's municipalities are offered; another UF's are not.
    assert '<option value="Campinas">' in page.text
    assert '<option value="Niterói">' not in page.text
    assert "Gestão de licenças" in page.text and "Renovação" in page.text


def test_it_saves_the_changes_and_records_them(client_a, partner_a, partner_a_user, make_client_in):
    shop = make_client_in(partner_a, Status.SUSPENDED, name="Mercado Sol")
    data = form_data(
        shop, name="Mercado Sol Nascente", uf="RJ", city="niteroi", renewal=Renewal.BILLING
    )
    response = client_a.post(action_url(Action.EDIT, shop), {**data, "principal": 3, "tef": "on"})
    assert response.status_code == 302
    assert response.url == reverse("clients:list")
    shop.refresh_from_db()
    assert (shop.name, shop.uf, shop.city, shop.renewal) == (
        "Mercado Sol Nascente",
        "RJ",
        "Niterói",  # stored with the official spelling
        Renewal.BILLING,
    )
    assert shop.status == Status.SUSPENDED  # editing does not lift a suspension
    assert {lic.module: lic.quantity for lic in shop.licenses.all()} == {
        Module.MAIN: 3,
        Module.TEF: 1,
    }
    event = ClientEvent.objects.get(client=shop)
    assert (event.action, event.actor) == ("editar", partner_a_user)
    assert event.before["licenses"] == {"principal": {"quantity": 1}}
    assert event.after["licenses"] == {"principal": {"quantity": 3}, "tef": {"quantity": 1}}
    assert messages_of(response) == ["Cadastro de Mercado Sol Nascente salvo."]


def test_a_reduction_waits_for_next_month_and_is_shown_as_scheduled(
    client_a, partner_a, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, licenses=3)
    client_a.post(action_url(Action.EDIT, shop), form_data(shop, licenses=2))
    main = License.objects.get(client=shop, module=Module.MAIN)
    assert (main.quantity, main.scheduled_quantity) == (3, 2)
    assert main.scheduled_from == datetime.date(2026, 4, 1)
    page = client_a.get(action_url(Action.EDIT, shop))
    assert page.context["licenses_form"]["principal"].value() == 2
    assert "Em vigor: 3 licenças; 2 a partir de 01/04/2026." in page.text


def test_saving_unchanged_data_records_no_event(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.EDIT, shop), form_data(shop))
    assert response.status_code == 302


def test_a_navi_client_is_not_offered_link_only_modules(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, product=Product.NAVI)
    fields = client_a.get(action_url(Action.EDIT, shop)).context["licenses_form"].fields
    assert Module.MOBILE not in fields and Module.CLOUD in fields
    # Posting one anyway changes nothing: the form does not know the field.
    client_a.post(action_url(Action.EDIT, shop), {**form_data(shop), "link_movel": 2})
    assert not shop.licenses.filter(module=Module.MOBILE).exists()


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.ACTIVE)
    with Unchanged(theirs):
        assert client_a.get(action_url(Action.EDIT, theirs)).status_code == 404
        assert client_a.post(action_url(Action.EDIT, theirs), form_data(theirs)).status_code == 404


@pytest.mark.parametrize("status", refused_statuses(Action.EDIT))
def test_it_refuses_every_other_status(client_a, partner_a, make_client_in, status):
    shop = make_client_in(partner_a, status)
    message = f"“Editar” não está disponível para um cliente {status.label}."
    with Unchanged(shop):
        page = client_a.get(action_url(Action.EDIT, shop))
        assert page.status_code == 302 and messages_of(page) == [message]
        response = client_a.post(action_url(Action.EDIT, shop), form_data(shop, name="Outro"))
        assert messages_of(response)[-1] == message
        htmx = client_a.post(
            action_url(Action.EDIT, shop), form_data(shop), headers={"HX-Request": "true"}
        )
        assert htmx.status_code == 409
