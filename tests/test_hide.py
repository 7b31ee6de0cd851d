"""Ocultar: POST /clientes/<pk>/ocultar/ (Inativo only)."""

import pytest

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent
from tests.client_actions import Unchanged, action_url, messages_of, refused_statuses

pytestmark = pytest.mark.usefixtures("action_day")


def test_it_hides_an_inactive_client(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE, name="Loja Velha")
    response = client_a.post(action_url(Action.HIDE, shop))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.hidden_at is not None and shop.status == Status.HIDDEN
    event = ClientEvent.objects.get(client=shop)
    assert (event.action, event.before["status"], event.after["status"]) == (
        "ocultar",
        "inativo",
        "oculto",
    )
    assert messages_of(response) == [
        "Loja Velha foi ocultado. Para vê-lo, filtre a lista por “Oculto”."
    ]


def test_it_rejects_get(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE)
    with Unchanged(shop):
        assert client_a.get(action_url(Action.HIDE, shop)).status_code == 405


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.INACTIVE)
    with Unchanged(theirs):
        assert client_a.post(action_url(Action.HIDE, theirs)).status_code == 404


@pytest.mark.parametrize("status", refused_statuses(Action.HIDE))
def test_it_refuses_every_other_status(client_a, partner_a, make_client_in, status):
    shop = make_client_in(partner_a, status)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.HIDE, shop), headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.text == f"“Ocultar” não está disponível para um cliente {status.label}."
