"""Reativar: GET/POST /clientes/<pk>/reativar/ (Inativo only)."""

import datetime

import pytest

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent, Module
from tests.client_actions import (
    Unchanged,
    action_url,
    form_data,
    messages_of,
    refused_statuses,
)

pytestmark = pytest.mark.usefixtures("action_day")


def test_it_opens_the_form_to_review_the_licenses(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE)
    page = client_a.get(action_url(Action.REACTIVATE, shop))
    assert page.status_code == 200
    assert "Reativar cliente" in page.text
    assert "o vencimento passa para <strong>18/04/2026</strong>" in page.text


def test_saving_makes_the_client_active_for_one_month_from_today(
    client_a, partner_a, partner_a_user, make_client_in
):
    shop = make_client_in(
        partner_a, Status.INACTIVE, name="Loja Velha", suspended_at="2025-12-01T12:00:00Z"
    )
    response = client_a.post(
        action_url(Action.REACTIVATE, shop), {**form_data(shop, licenses=2), "cloud": "on"}
    )
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.expires_on == datetime.date(2026, 4, 18)
    assert shop.suspended_at is None
    assert shop.status == Status.ACTIVE
    assert {lic.module: lic.current_quantity() for lic in shop.licenses.all()} == {
        Module.MAIN: 2,
        Module.CLOUD: 1,
    }
    event = ClientEvent.objects.get(client=shop)
    assert (event.action, event.actor) == ("reativar", partner_a_user)
    assert (event.before["status"], event.after["status"]) == ("inativo", "ativo")
    assert messages_of(response) == ["Loja Velha foi reativado até 18/04/2026."]


def test_a_form_error_leaves_the_client_inactive(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE)
    with Unchanged(shop):
        page = client_a.post(action_url(Action.REACTIVATE, shop), form_data(shop, licenses=0))
    assert page.status_code == 200
    assert "Certifique-se que este valor seja maior ou igual a 1." in page.text


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.INACTIVE)
    with Unchanged(theirs):
        assert client_a.get(action_url(Action.REACTIVATE, theirs)).status_code == 404
        response = client_a.post(action_url(Action.REACTIVATE, theirs), form_data(theirs))
        assert response.status_code == 404


@pytest.mark.parametrize("status", refused_statuses(Action.REACTIVATE))
def test_it_refuses_every_other_status(client_a, partner_a, make_client_in, status):
    shop = make_client_in(partner_a, status)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.REACTIVATE, shop), form_data(shop))
    assert messages_of(response) == [
        f"“Reativar” não está disponível para um cliente {status.label}."
    ]
