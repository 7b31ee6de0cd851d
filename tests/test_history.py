"""Histórico: GET /clientes/<pk>/historico/ — the client's events, newest first."""

import datetime

import pytest
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent
from clients.services.review import client_approve
from tests.client_actions import action_url, form_data

pytestmark = pytest.mark.usefixtures("action_day")


def history_url(client):
    return reverse("clients:history", args=[client.pk])


def test_it_lists_the_events_newest_first_with_what_changed(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, expires_on=datetime.date(2026, 3, 31))
    client_a.post(action_url(Action.SUSPEND, shop))
    client_a.post(action_url(Action.UNSUSPEND, shop))
    shop.refresh_from_db()  # the Editar page as opened now, after those two changes
    client_a.post(
        action_url(Action.EDIT, shop),
        form_data(shop, name="Novo Nome", licenses=3, renewal="cobranca"),
    )
    page = client_a.get(history_url(shop))
    assert page.status_code == 200
    labels = [label for _, label, _ in page.context["rows"]]
    assert labels == ["Editar", "Cancelar suspensão", "Suspender"]
    edit_changes = page.context["rows"][0][2]
    assert ("Nome", shop.name, "Novo Nome") in edit_changes
    assert ("Renovação", "Renovação manual", "Gestão de cobranças") in edit_changes
    assert ("Licenças", "1 licença", "3 licenças") in edit_changes
    suspend_changes = page.context["rows"][2][2]
    assert ("Status", "Ativo", "Suspenso") in suspend_changes
    assert "Status:</span> Ativo → Suspenso" in page.text
    assert "ana" in page.text  # who did it


def test_a_scheduled_reduction_reads_as_scheduled(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, licenses=3)
    client_a.post(action_url(Action.EDIT, shop), form_data(shop, licenses=2))
    (_, _, changed), *_ = client_a.get(history_url(shop)).context["rows"]
    assert changed == [("Licenças", "3 licenças", "3 licenças; 2 a partir de 01/04/2026")]


def test_events_written_elsewhere_are_listed_too(client_a, partner_a, make_client_in, staff_user):
    shop = make_client_in(partner_a, Status.PENDING)
    client_approve(client=shop, by=staff_user)
    ClientEvent.objects.create(client=shop, actor_label="api", action="ativar")
    rows = client_a.get(history_url(shop)).context["rows"]
    assert [label for _, label, _ in rows] == ["Ativação", "Aprovação"]
    assert ("Status", "Pendente", "Ativo") in rows[1][2]


def test_a_client_without_events_says_so(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    assert "Nenhum evento registrado." in client_a.get(history_url(shop)).text


def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.ACTIVE)
    assert client_a.get(history_url(theirs)).status_code == 404


def test_anonymous_users_are_sent_to_sign_in(client, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    response = client.get(history_url(shop))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_admin_shows_the_history_too(admin_client_, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE)
    ClientEvent.objects.create(client=shop, actor_label="ana", action="suspender")
    page = admin_client_.get(reverse("admin:clients_client_change", args=[shop.pk]))
    assert "suspender" in page.text
