"""With the database down the portal answers a pt-BR 503 page, and recovers by itself."""

import pytest
from django.db import connection

from tests.conftest import PASSWORD
from tests.servers import Browser, TcpProxy, app_server, database_url, with_production_password

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
