"""With the database down the portal answers a pt-BR 503 page, and recovers by itself; a
check-in after the database came back answers at once."""

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.utils import timezone

from clients.models import Client
from licenses.signing import private_key_pem
from tests.conftest import PASSWORD
from tests.servers import (
    Browser,
    TcpProxy,
    app_server,
    database_url,
    post_json,
    with_production_password,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_pages_answer_503_while_the_database_is_down_and_recover(partner_a_user, partner_a):
    settings_dict = connection.settings_dict
    proxy = TcpProxy(settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432)
    proxy.restore()
    url = database_url(settings_dict, host="127.0.0.1", port=proxy.port)
    with app_server(url, CONN_MAX_AGE="60") as base:
        browser = Browser()
        with_production_password(partner_a_user, PASSWORD)
        browser.sign_in(base, partner_a_user.username, PASSWORD)
        assert browser.request(base + "/clientes/")[0] == 200
        assert browser.request(base + "/healthz")[0] == 200

        proxy.cut()
        status, headers, page = browser.request(base + "/clientes/")
        assert status == 503
        assert "Serviço temporariamente indisponível" in page
        assert "Traceback" not in page
        assert headers["Retry-After"] == "30"
        status, _, body = Browser().request(base + "/healthz")  # a load balancer: no cookies
        assert status == 503 and '"indisponivel"' in body

        proxy.restore()
        assert Browser().request(base + "/healthz")[0] == 200
        status, _, page = browser.request(base + "/clientes/")
        assert status == 200 and "Revenda Alfa" in page
    proxy.cut()  # no connection left open to the test database


def test_the_first_check_in_after_the_database_came_back_answers(make_link_client, partner_a):
    # Django's per-request health check (CONN_HEALTH_CHECKS) finds the dead connection before
    # the check-in's read and reconnects: the software is not told 503 after a restart.
    client, code = make_link_client(partner_a, licenses=2)
    settings_dict = connection.settings_dict
    proxy = TcpProxy(settings_dict.get("HOST") or "127.0.0.1", settings_dict.get("PORT") or 5432)
    proxy.restore()
    url = database_url(settings_dict, host="127.0.0.1", port=proxy.port)
    key = private_key_pem(Ed25519PrivateKey.generate())
    # One thread: every request runs on the one connection the cut kills.
    with app_server(url, threads=1, CONN_MAX_AGE="60", LICENSE_SIGNING_KEY=key) as base:
        activation = {"codigo_registro": code, "maquina": "CAIXA-01", "versao": "4.2.1"}
        status, body = post_json(base, "ativacao", activation)
        assert status == 201, body
        check_in = {"chave": body["chave"], "versao": "4.2.1"}
        assert post_json(base, "verificacao", check_in)[0] == 200

        proxy.cut()  # the database restarts: the worker's connection is gone
        proxy.restore()
        Client.objects.filter(pk=client.pk).update(suspended_at=timezone.now())

        status, body = post_json(base, "verificacao", check_in)
        assert status == 200, body
        assert body["status"] == "suspenso"
    proxy.cut()  # no connection left open to the test database
