"""A registration code is consumed exactly once, even by concurrent activations (PostgreSQL:
real transactions in real threads, each with its own connection)."""

import threading

import pytest
from django.db import connection

from clients.models import ClientEvent, RegistrationCode
from licenses import activation

THREADS = 8

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def activate_all_at_once(code):
    barrier = threading.Barrier(THREADS)
    results = []

    def attempt(n):
        try:
            barrier.wait()
            client = activation.client_activate(code=code, machine=f"CAIXA-{n}", version="4")
            results.append(("ok", client.license_key, n))
        except activation.CodeAlreadyUsed:
            results.append(("409", None, n))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_of_concurrent_activations_exactly_one_wins(make_link_client, partner_a, signing_key):
    client, code = make_link_client(partner_a)

    results = activate_all_at_once(code)

    assert sorted(outcome for outcome, _, _ in results) == ["409"] * (THREADS - 1) + ["ok"]
    [(_, key, winner)] = [result for result in results if result[0] == "ok"]
    client.refresh_from_db()
    assert client.license_key == key
    assert RegistrationCode.objects.get(code=code).machine == f"CAIXA-{winner}"
    assert ClientEvent.objects.filter(client=client, action="ativar").count() == 1


def test_concurrent_activations_over_http_consume_the_code_once(
    live_server, api, make_link_client, partner_a
):
    import json
    import urllib.error
    import urllib.request

    client, code = make_link_client(partner_a)
    body = json.dumps({"codigo_registro": code, "maquina": "CAIXA", "versao": "4"}).encode()
    barrier = threading.Barrier(THREADS)
    statuses = []

    def post():
        request = urllib.request.Request(
            f"{live_server.url}/api/v1/ativacao",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                statuses.append(response.status)
        except urllib.error.HTTPError as refusal:
            statuses.append(refusal.code)

    threads = [threading.Thread(target=post) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    assert ClientEvent.objects.filter(client=client, action="ativar").count() == 1


def test_concurrent_check_ins_with_a_new_version_record_it_once(
    make_link_client, partner_a, signing_key
):
    client, code = make_link_client(partner_a)
    key = activation.client_activate(code=code, machine="CAIXA", version="4.0").license_key
    barrier = threading.Barrier(THREADS)

    def check_in():
        try:
            barrier.wait()
            activation.client_check_in(key=key, version="4.1")
        finally:
            connection.close()

    threads = [threading.Thread(target=check_in) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    client.refresh_from_db()
    assert client.link_version == "4.1"
    assert ClientEvent.objects.filter(client=client, action="versao").count() == 1
