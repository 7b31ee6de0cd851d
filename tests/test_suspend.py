"""Suspender: POST /clientes/<pk>/suspender/ (Ativo only)."""

import pytest
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent
from tests.client_actions import Unchanged, action_url, messages_of, refused_statuses

pytestmark = pytest.mark.usefixtures("action_day")


def test_it_suspends_an_active_client_and_records_who_did_it(
    client_a, partner_a, partner_a_user, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Mercado Sol")
    response = client_a.post(action_url(Action.SUSPEND, shop))
    assert response.status_code == 302
    assert response.url == reverse("clients:list")
    shop.refresh_from_db()
    assert shop.status == Status.SUSPENDED
    event = ClientEvent.objects.get(client=shop)
    assert (event.action, event.actor) == ("suspender", partner_a_user)
    assert (event.before["status"], event.after["status"]) == ("ativo", "suspenso")
    assert messages_of(response) == [
        "Mercado Sol foi suspenso: o sistema do cliente será bloqueado na próxima verificação."
    ]


def test_it_goes_back_to_the_filtered_list(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    back = reverse("clients:list") + "?status=ativo&page=2"
    response = client_a.post(action_url(Action.SUSPEND, shop), {"next": back})
    assert response.url == back


def test_it_ignores_a_next_url_on_another_site(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    response = client_a.post(action_url(Action.SUSPEND, shop), {"next": "https://evil.example/"})
    assert response.url == reverse("clients:list")


@pytest.mark.parametrize("next_", ['"><img src=x onerror=alert(1)>', "logout"])
def test_it_ignores_a_next_that_is_not_a_path(client_a, partner_a, make_client_in, next_):
    # Not a URL of this site; redirect() would have looked it up as a view name (a 500).
    shop = make_client_in(partner_a, Status.ACTIVE)
    response = client_a.post(action_url(Action.SUSPEND, shop), {"next": next_})
    assert response.url == reverse("clients:list")


def test_it_rejects_get(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    with Unchanged(shop):
        assert client_a.get(action_url(Action.SUSPEND, shop)).status_code == 405


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.ACTIVE)
    with Unchanged(theirs):
        assert client_a.post(action_url(Action.SUSPEND, theirs)).status_code == 404
        assert client_a.get(action_url(Action.SUSPEND, theirs)).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    with Unchanged(shop):
        response = client.post(action_url(Action.SUSPEND, shop))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("status", refused_statuses(Action.SUSPEND))
def test_it_refuses_every_other_status(client_a, partner_a, make_client_in, status):
    shop = make_client_in(partner_a, status)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.SUSPEND, shop))
    assert response.status_code == 302
    assert messages_of(response) == [
        f"“Suspender” não está disponível para um cliente {status.label}."
    ]


def test_htmx_gets_409_with_the_message(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.SUSPENDED)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.SUSPEND, shop), headers={"HX-Request": "true"})
    assert response.status_code == 409
    assert response.text == "“Suspender” não está disponível para um cliente Suspenso."


def test_fetch_asking_for_json_gets_409_json(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE)
    response = client_a.post(
        action_url(Action.SUSPEND, shop), headers={"Accept": "application/json"}
    )
    assert response.status_code == 409
    assert response.json() == {"erro": "“Suspender” não está disponível para um cliente Inativo."}


def test_fetch_asking_for_json_gets_the_new_status(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Bar Lua")
    response = client_a.post(
        action_url(Action.SUSPEND, shop), headers={"Accept": "application/json"}
    )
    assert response.status_code == 200
    assert response.json() == {
        "mensagem": "Bar Lua foi suspenso: o sistema do cliente será bloqueado na próxima "
        "verificação.",
        "status": "suspenso",
    }
