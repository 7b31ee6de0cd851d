"""POST /api/v1/verificacao with a key the partner released (Liberar dispositivo): 410 Gone,
with the day of the release; the new registration code activates a new device."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import RegistrationCode
from clients.services.devices import client_release_device

SP = ZoneInfo("America/Sao_Paulo")
# 22:30 on 6 December in São Paulo: already 7 December in UTC.
RELEASED_AT = datetime.datetime(2026, 12, 6, 22, 30, tzinfo=SP)
GONE = (
    "Este dispositivo foi liberado pelo parceiro em 06/12/2026. Ative o Link neste dispositivo "
    "com o novo código de registro."
)


@pytest.fixture
def released(api, make_link_client, partner_a, partner_a_user):
    """A Link client activated on CELULAR-01, whose device the partner then released:
    (client, old code, old key, new code)."""
    with time_machine.travel(RELEASED_AT, tick=False):
        client, code = make_link_client(partner_a)
        body = {"codigo_registro": code, "maquina": "CELULAR-01", "versao": "4.2.1"}
        key = api.post("ativacao", body).json()["chave"]
        client.refresh_from_db()
        client_release_device(client=client, by=partner_a_user)
    new_code = RegistrationCode.objects.get(client=client, consumed_at__isnull=True).code
    return client, code, key, new_code


def check_in(api, key, version="4.2.1"):
    return api.post("verificacao", {"chave": key, "versao": version})


def test_the_old_device_is_told_it_was_released(api, released):
    _, _, key, _ = released
    response = check_in(api, key)
    assert response.status_code == 410
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"erro": GONE}


def test_the_key_is_recognised_as_the_check_in_writes_it(api, released):
    _, _, key, _ = released
    assert check_in(api, f"  {key.lower()} ").status_code == 410


def test_the_new_code_activates_a_new_device_whose_key_checks_in(api, released):
    client, _, old_key, new_code = released
    body = {"codigo_registro": new_code, "maquina": "CELULAR-02", "versao": "4.3.0"}
    activated = api.post("ativacao", body)
    assert activated.status_code == 201
    new_key = activated.json()["chave"]
    assert new_key != old_key
    assert check_in(api, new_key, "4.3.0").status_code == 200
    assert check_in(api, old_key).status_code == 410


def test_the_old_code_stays_used(api, released):
    _, old_code, _, _ = released
    body = {"codigo_registro": old_code, "maquina": "CELULAR-01", "versao": "4.2.1"}
    assert api.post("ativacao", body).status_code == 409


def test_an_unknown_key_is_still_a_404(api, released):
    response = check_in(api, "NAO-EXISTE")
    assert (response.status_code, response.json()) == (404, {"erro": "Chave não encontrada."})


def test_only_a_key_of_no_client_looks_among_the_released(
    api, released, django_assert_num_queries, settings
):
    client, _, old_key, new_code = released
    body = {"codigo_registro": new_code, "maquina": "CELULAR-02", "versao": "4.2.1"}
    new_key = api.post("ativacao", body).json()["chave"]
    settings.CHECK_IN_CONTACT_SECONDS = 3600  # the time of contact is fresh: no write
    # A valid key: the client's facts and licenses, one statement.
    with django_assert_num_queries(1):
        assert check_in(api, new_key).status_code == 200
    # A released key: that statement, then the released keys.
    with django_assert_num_queries(2):
        assert check_in(api, old_key).status_code == 410
