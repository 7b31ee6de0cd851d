"""Two app processes behind one database share every piece of state a person relies on."""

import pytest
from django.db import connection

from clients.domain.status import Status
from clients.models import ClientEvent
from tests.conftest import PASSWORD
from tests.servers import Browser, app_server, database_url, with_production_password

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_a_partner_signs_in_on_one_instance_and_acts_on_the_other(
    partner_a_user, partner_a, make_client
):
    client = make_client(partner_a, name="Mercado Dois Servidores")
    with_production_password(partner_a_user, PASSWORD)
    url = database_url(connection.settings_dict)
    with app_server(url) as first, app_server(url) as second:
        browser = Browser()
        browser.sign_in(first, partner_a_user.username, PASSWORD)

        status, _, page = browser.request(second + "/clientes/")
        assert status == 200 and "Mercado Dois Servidores" in page

        status, headers, _ = browser.post_form(
            second,
            f"/clientes/{client.pk}/confirmar/suspender/",
            f"/clientes/{client.pk}/suspender/",
        )
        assert status == 302, status

    client.refresh_from_db()
    assert client.status == Status.SUSPENDED
    event = ClientEvent.objects.get(client=client)
    assert (event.action, event.actor) == ("suspender", partner_a_user)


def _try_sign_in(base, username, password) -> int:
    browser = Browser()
    _, _, page = browser.request(base + "/entrar/")
    form = {"username": username, "password": password}
    form["csrfmiddlewaretoken"] = browser.csrf_token(page)
    return browser.request(base + "/entrar/", form)[0]


def test_sign_in_failures_count_across_instances(partner_a_user):
    url = database_url(connection.settings_dict)
    with_production_password(partner_a_user, PASSWORD)
    limit = {"AXES_FAILURE_LIMIT": "3"}
    with app_server(url, **limit) as first, app_server(url, **limit) as second:
        assert _try_sign_in(first, "ana", "errada") == 200
        assert _try_sign_in(second, "ana", "errada") == 200
        assert _try_sign_in(first, "ana", "errada") == 429
        # Locked out on both instances, even with the right password.
        assert _try_sign_in(second, "ana", PASSWORD) == 429
