"""POST /api/v1/ativacao: a registration code is consumed once and yields the license key."""

import datetime

import pytest
from django.utils import timezone

from clients.models import Client, ClientEvent, License, Module, RegistrationCode
from licenses import signing

BODY = {"maquina": "CAIXA-01", "versao": "4.2.1"}


@pytest.fixture
def link(make_link_client, partner_a):
    return make_link_client(partner_a, licenses=3)


def test_it_activates_and_answers_201_with_key_status_and_licenses(api, link):
    client, code = link
    License.objects.create(client=client, module=Module.CLOUD, quantity=1)

    response = api.post("ativacao", {"codigo_registro": code, **BODY})

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    data = response.json()
    client.refresh_from_db()
    assert data["chave"] == client.license_key
    assert data["status"] == "ativo"
    assert data["vencimento"] == client.expires_on.isoformat()
    assert data["licencas"] == {"principal": 3, "cloud": 1}
    assert signing.verify(data["licenca_assinada"], signing.public_key())["cliente"] == client.pk


def test_it_consumes_the_code_and_records_key_version_and_contact(api, link):
    client, code = link

    api.post("ativacao", {"codigo_registro": code, **BODY})

    registration = RegistrationCode.objects.get(code=code)
    assert registration.consumed_at is not None
    assert registration.machine == "CAIXA-01"
    client.refresh_from_db()
    assert client.license_key
    assert client.link_version == "4.2.1"
    assert timezone.now() - client.last_seen_at < datetime.timedelta(minutes=1)


def test_it_writes_the_activation_to_the_history_as_the_api(api, link):
    client, code = link

    api.post("ativacao", {"codigo_registro": code, **BODY})

    event = ClientEvent.objects.get(client=client)
    assert (event.action, event.actor, event.actor_label) == ("ativar", None, "api")
    assert event.before["link_version"] == ""
    assert event.after["link_version"] == "4.2.1"
    assert "CAIXA-01" in event.note
    client.refresh_from_db()
    assert client.license_key not in f"{event.before} {event.after} {event.note}"


def test_it_accepts_the_code_typed_in_lower_case_without_dashes(api, link):
    _, code = link

    response = api.post("ativacao", {"codigo_registro": code.replace("-", "").lower(), **BODY})

    assert response.status_code == 201


def test_a_second_activation_gets_409_and_changes_nothing(api, link):
    client, code = link
    first = api.post("ativacao", {"codigo_registro": code, **BODY}).json()

    response = api.post("ativacao", {"codigo_registro": code, "maquina": "OUTRA", "versao": "5"})

    assert response.status_code == 409
    assert response.json() == {"erro": "Este código de registro já foi usado."}
    client.refresh_from_db()
    assert client.license_key == first["chave"]
    assert client.link_version == "4.2.1"
    assert RegistrationCode.objects.get(code=code).machine == "CAIXA-01"


def test_an_unknown_code_gets_404(api, link):
    response = api.post("ativacao", {"codigo_registro": "22222-22222-22222-22222", **BODY})

    assert response.status_code == 404
    assert response.json() == {"erro": "Código de registro não encontrado."}


def test_something_that_cannot_be_a_code_gets_404(api, link):
    response = api.post("ativacao", {"codigo_registro": "não é um código", **BODY})

    assert response.status_code == 404


def test_a_suspended_client_activates_and_is_told_it_is_suspended(api, make_link_client, partner_a):
    _, code = make_link_client(partner_a, suspended_at=timezone.now())

    response = api.post("ativacao", {"codigo_registro": code, **BODY})

    assert response.status_code == 201
    assert response.json()["status"] == "suspenso"


def test_each_activation_issues_a_different_key(api, make_link_client, partner_a):
    keys = {
        api.post("ativacao", {"codigo_registro": make_link_client(partner_a)[1], **BODY}).json()[
            "chave"
        ]
        for _ in range(3)
    }
    assert len(keys) == 3


def test_the_key_is_unique_among_clients(api, link):
    _, code = link
    key = api.post("ativacao", {"codigo_registro": code, **BODY}).json()["chave"]
    assert Client.objects.filter(license_key=key).count() == 1
