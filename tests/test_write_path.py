"""One write path: the admin's actions and license page go through the services, with the
portal's rules and messages; history event names are one enumeration; the rules the import
shares with the services; a form loaded before another change is refused."""

import datetime
import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.domain.actions import Action
from clients.domain.history import action_label, changes
from clients.domain.status import HIDE_ONLY_INACTIVE, Status, client_status
from clients.models import Client, ClientEvent, Event, License
from clients.services import STALE_MESSAGE, StaleClient, client_edit, client_suspend
from clients.transfer.importing import import_clients
from tests.client_actions import form_data

pytestmark = pytest.mark.usefixtures("action_day")
CHANGELIST = reverse("admin:clients_client_changelist")


def run_action(admin_client_, action, *clients):
    return admin_client_.post(
        CHANGELIST,
        {"action": action, "_selected_action": [client.pk for client in clients]},
        follow=True,
    )


@pytest.mark.parametrize(
    ("action", "allowed_in", "after"),
    [
        ("suspend", Status.ACTIVE, Status.SUSPENDED),
        ("unsuspend", Status.SUSPENDED, Status.ACTIVE),
        ("hide", Status.INACTIVE, Status.HIDDEN),
        ("unhide", Status.HIDDEN, Status.INACTIVE),
        ("renew", Status.EXPIRED, Status.ACTIVE),
        ("reactivate", Status.INACTIVE, Status.ACTIVE),
    ],
)
def test_each_admin_action_changes_the_allowed_clients_through_the_service(
    admin_client_, staff_user, partner_a, make_client_in, action, allowed_in, after
):
    allowed = make_client_in(partner_a, allowed_in, name="Pode")
    refused_status = Status.PENDING
    refused = make_client_in(partner_a, refused_status, name="Não pode")
    before_refused = Client.objects.values().get(pk=refused.pk)

    response = run_action(admin_client_, action, allowed, refused)

    assert "1 cliente(s)" in response.text
    # The refusal is the portal's pt-BR message, and the refused client is left as it was.
    assert "não está disponível para um cliente Pendente" in response.text
    allowed.refresh_from_db()
    assert client_status(allowed) == after
    assert Client.objects.values().get(pk=refused.pk) == before_refused
    event = ClientEvent.objects.get()
    assert (event.client, event.actor) == (allowed, staff_user)
    assert allowed.version == 1


@pytest.mark.parametrize("action,status", [("suspend", Status.ACTIVE), ("renew", Status.EXPIRED)])
def test_an_admin_action_acts_on_the_whole_selection_at_once(
    admin_client_, partner_a, make_client_in, action, status
):
    # services.clients_act: one lock and one write whatever the selection's size, not one
    # transaction per client; each client still gets its event.
    def queries_for(count):
        clients = [make_client_in(partner_a, status, name=f"Loja {n}") for n in range(count)]
        with CaptureQueriesContext(connection) as queries:
            response = run_action(admin_client_, action, *clients)
        assert f"{count} cliente(s)" in response.text
        assert ClientEvent.objects.filter(client__in=clients).count() == count
        return len(queries)

    assert queries_for(2) == queries_for(7)


def test_the_license_page_applies_the_portals_rule(admin_client_, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, licenses=3)
    url = reverse("admin:clients_client_licenses", args=[shop.pk])
    assert (
        "Alterar licenças"
        in admin_client_.get(reverse("admin:clients_client_change", args=[shop.pk])).text
    )
    page = admin_client_.get(url)
    assert page.status_code == 200 and "01/04/2026" in page.text

    response = admin_client_.post(url, {"principal": 2, "loaded_version": 0})

    assert response.status_code == 302
    main = License.objects.get(client=shop)
    # A reduction waits for the 1st of next month, as in the portal.
    assert (main.quantity, main.scheduled_quantity, main.scheduled_from) == (
        3,
        2,
        datetime.date(2026, 4, 1),
    )
    event = ClientEvent.objects.get()
    assert event.action == Event.EDIT and event.note == "Alterado na administração."

    admin_client_.post(url, {"principal": 5, "loaded_version": 1})
    main.refresh_from_db()
    assert (main.quantity, main.scheduled_quantity) == (5, None)  # an increase: at once


def test_a_stale_license_page_changes_nothing(admin_client_, partner_a, staff_user, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, licenses=3)
    client_suspend(client=shop, by=staff_user)  # version 1; the page was loaded at 0
    url = reverse("admin:clients_client_licenses", args=[shop.pk])
    response = admin_client_.post(url, {"principal": 9, "loaded_version": 0}, follow=True)
    assert STALE_MESSAGE in response.text
    assert License.objects.get(client=shop).quantity == 3


def test_a_stale_service_call_is_refused_on_the_locked_row(
    partner_a, partner_a_user, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Loja")
    client_suspend(client=shop, by=partner_a_user)
    fields = {"name": "Outro", "email": "", "uf": "SP", "city": "São Paulo", "renewal": "manual"}
    with pytest.raises(StaleClient):
        client_edit(
            client=shop,
            by=partner_a_user,
            fields=fields,
            licenses={"principal": 1},
            expected_version=0,
        )
    shop.refresh_from_db()
    assert (shop.name, shop.version) == ("Loja", 1)


def test_a_stale_editar_form_is_refused_in_portuguese(
    client_a, partner_a, partner_a_user, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Loja")
    data = form_data(shop, name="Loja Nova")  # loaded at version 0
    client_suspend(client=shop, by=partner_a_user)
    response = client_a.post(reverse("clients:editar", args=[shop.pk]), data, follow=True)
    assert STALE_MESSAGE in response.text
    shop.refresh_from_db()
    assert shop.name == "Loja" and client_status(shop) == Status.SUSPENDED


def test_every_action_and_event_name_is_in_the_enumeration_with_a_label():
    assert set(Action.values) <= set(Event.values)
    for event in Event:
        assert event.label and action_label(event.value) == event.label
    assert ClientEvent._meta.get_field("action").choices == Event.choices


def test_the_history_shows_events_whose_licenses_are_a_number(client_a, partner_a, make_client):
    # Older imports stored the main count alone, as an int: the page
    # answered 500 (TypeError in clients.domain.history).
    shop = make_client(partner_a)
    event = ClientEvent.objects.create(
        client=shop,
        actor_label="importação",
        action=Event.EDIT,
        before={"name": "A", "licenses": 4},
        after={"name": "A", "licenses": 2},
    )
    assert ("Licenças", "4 licenças", "2 licenças") in changes(event)
    response = client_a.get(reverse("clients:history", args=[shop.pk]))
    assert response.status_code == 200
    assert "4 licenças" in response.text


def test_imported_events_render_and_carry_the_portals_names(client_a, partner_a, make_client):
    header = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento;licencas"
    data = f"{header}\nLoja;52998224725;;link;SP;São Paulo;31/12/2026;2\n"
    import_clients(partner=partner_a, data=data.encode())
    shop = Client.objects.get()
    import_clients(partner=partner_a, data=data.replace(";2\n", ";3\n").encode())
    actions = list(shop.events.order_by("id").values_list("action", flat=True))
    assert actions == [Event.REGISTER, Event.EDIT]
    response = client_a.get(reverse("clients:history", args=[shop.pk]))
    assert response.status_code == 200
    assert "Cadastro" in response.text and "3 licenças" in response.text
    shop.refresh_from_db()
    assert shop.version == 1  # the import's update is a new version too


def test_the_import_writes_one_audit_line_per_client(partner_a, caplog):
    caplog.set_level(logging.INFO, logger="portal.audit")
    header = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento"
    rows = [
        "Loja A;52998224725;;link;SP;São Paulo;31/12/2026",
        "Loja B;11222333000181;;navi;SP;São Paulo;31/12/2026",
    ]
    import_clients(partner=partner_a, data="\n".join([header, *rows]).encode())
    lines = [record for record in caplog.records if record.name == "portal.audit"]
    assert sorted(record.client for record in lines) == sorted(
        Client.objects.values_list("pk", flat=True)
    )
    assert {(record.action, record.origin) for record in lines} == {("cadastrar", "importação")}


def test_only_an_inactive_client_can_be_hidden_everywhere(partner_a, make_client_in):
    # One rule (clients.domain.status.may_be_hidden) for the model, the services and the import.
    shop = make_client_in(partner_a, Status.ACTIVE)
    shop.hidden_at = shop.updated_at
    with pytest.raises(ValidationError, match=HIDE_ONLY_INACTIVE):
        shop.clean()
    header = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento;oculto"
    data = f"{header}\n{shop.name};{shop.cpf_cnpj};;navi;SP;São Paulo;31/12/2026;sim\n"
    report = import_clients(partner=partner_a, data=data.encode())
    assert "só um cliente Inativo pode ser ocultado" in str(report.errors[0])


def test_a_duplicate_is_pendente_in_the_portal_and_the_import_alike(
    partner_a, partner_b, make_client
):
    make_client(partner_b, cpf_cnpj="52998224725", product="link")
    header = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento"
    data = f"{header}\nLoja;52998224725;;link;SP;São Paulo;31/12/2026\n"
    import_clients(partner=partner_a, data=data.encode())
    imported = Client.objects.get(partner=partner_a)
    assert client_status(imported) == Status.PENDING
    assert imported.pending_reason == "CPF/CNPJ já cadastrado por outro parceiro para este produto."
