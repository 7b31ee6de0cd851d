"""Cancelar suspensão: POST /clientes/<pk>/cancelar-suspensao/ (Suspenso only)."""

import pytest

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent
from tests.client_actions import Unchanged, action_url, messages_of, refused_statuses

pytestmark = pytest.mark.usefixtures("action_day")


def test_it_gives_a_suspended_client_its_access_back(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.SUSPENDED, name="Bar Lua")
    response = client_a.post(action_url(Action.UNSUSPEND, shop))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.suspended_at is None and shop.status == Status.ACTIVE
    event = ClientEvent.objects.get(client=shop)
    assert event.action == "cancelar-suspensao"
    assert (event.before["status"], event.after["status"]) == ("suspenso", "ativo")
    assert messages_of(response) == ["A suspensão de Bar Lua foi cancelada."]


def test_it_rejects_get(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.SUSPENDED)
    with Unchanged(shop):
        assert client_a.get(action_url(Action.UNSUSPEND, shop)).status_code == 405


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.SUSPENDED)
    with Unchanged(theirs):
        assert client_a.post(action_url(Action.UNSUSPEND, theirs)).status_code == 404


@pytest.mark.parametrize("status", refused_statuses(Action.UNSUSPEND))
def test_it_refuses_every_other_status(client_a, partner_a, make_client_in, status):
    shop = make_client_in(partner_a, status)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.UNSUSPEND, shop))
    assert messages_of(response) == [
        f"“Cancelar suspensão” não está disponível para um cliente {status.label}."
    ]


def test_an_expired_suspended_client_is_refused_with_409_for_htmx(
    client_a, partner_a, make_client_in
):
    # Expirado wins over the suspended flag: renew first, then the suspension can be lifted.
    shop = make_client_in(partner_a, Status.EXPIRED, suspended_at="2026-03-01T12:00:00Z")
    with Unchanged(shop):
        response = client_a.post(action_url(Action.UNSUSPEND, shop), headers={"HX-Request": "true"})
    assert response.status_code == 409
