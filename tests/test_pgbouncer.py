"""The check-in, activation, the portal and the list's export through PgBouncer in transaction
mode (PgBouncer's usual setting when many app instances share a database): each transaction
may run on another server connection, so nothing may rely on a session (LISTEN, a cursor WITH
HOLD, a prepared statement). The app runs in gunicorn with DATABASE_POOLER=transaction and
its DATABASE_URL pointing at PgBouncer, which points at the test database.
"""

import csv
import io
from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from openpyxl import load_workbook

from clients.domain.status import Status
from clients.models import Client, License, Module, Product
from licenses.signing import private_key_pem
from tests.conftest import PASSWORD
from tests.servers import (
    Browser,
    PgBouncerUnavailable,
    app_server,
    database_url,
    pgbouncer,
    post_json,
    with_production_password,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def portal():
    """A gunicorn instance of the portal whose database is PgBouncer (transaction mode)."""
    try:
        bouncer = pgbouncer(connection.settings_dict)
        port = bouncer.__enter__()
    except PgBouncerUnavailable as reason:
        pytest.skip(f"PgBouncer indisponível aqui: {reason}")
    try:
        url = database_url(connection.settings_dict, host="127.0.0.1", port=port)
        key = private_key_pem(Ed25519PrivateKey.generate())
        with app_server(url, DATABASE_POOLER="transaction", LICENSE_SIGNING_KEY=key) as base:
            yield base
    finally:
        bouncer.__exit__(None, None, None)


def test_activation_check_in_and_a_suspension_made_in_the_portal(
    portal, make_link_client, partner_a, partner_a_user
):
    client, code = make_link_client(partner_a, licenses=3)
    activation = {"codigo_registro": code, "maquina": "CAIXA-01", "versao": "4.2.1"}

    status, body = post_json(portal, "ativacao", activation)
    assert status == 201, body
    key = body["chave"]
    assert (body["status"], body["licencas"]) == ("ativo", {"principal": 3})

    status, body = post_json(portal, "verificacao", {"chave": key, "versao": "4.3.0"})
    assert (status, body["status"]) == (200, "ativo")
    client.refresh_from_db()
    assert client.link_version == "4.3.0"

    # A stale time of contact is written (one query of two statements, its own transaction).
    Client.objects.filter(pk=client.pk).update(last_seen_at=None)
    status, body = post_json(portal, "verificacao", {"chave": key, "versao": "4.3.0"})
    assert (status, body["status"]) == (200, "ativo")
    client.refresh_from_db()
    assert client.last_seen_at is not None

    # The partner suspends the client in the portal (the same gunicorn, through PgBouncer)…
    with_production_password(partner_a_user, PASSWORD)
    browser = Browser()
    browser.sign_in(portal, partner_a_user.username, PASSWORD)
    status, _, _ = browser.post_form(
        portal, f"/clientes/{client.pk}/confirmar/suspender/", f"/clientes/{client.pk}/suspender/"
    )
    assert status == 302, status
    client.refresh_from_db()
    assert client.status == Status.SUSPENDED

    # …and the next check-in, on whichever worker and server connection, says so.
    for _ in range(6):
        status, body = post_json(portal, "verificacao", {"chave": key, "versao": "4.3.0"})
        assert (status, body["status"]) == (200, "suspenso")

    status, _, _ = browser.post_form(
        portal,
        f"/clientes/{client.pk}/confirmar/cancelar-suspensao/",
        f"/clientes/{client.pk}/cancelar-suspensao/",
    )
    status, body = post_json(portal, "verificacao", {"chave": key, "versao": "4.3.0"})
    assert (status, body["status"]) == (200, "ativo")


def test_the_list_export_streams_through_pgbouncer_concurrently(portal, partner_a, partner_a_user):
    # More rows than one chunk (clients.transfer.exporting.CHUNK_SIZE), so that the export reads
    # several: with a cursor WITH HOLD, PgBouncer answers InvalidCursorName or cuts it off.
    count = 4500
    created = Client.objects.bulk_create(
        Client(
            partner=partner_a,
            name=f"Cliente {number:05d}",
            cpf_cnpj=f"{number:011d}",
            uf="SP",
            city="São Paulo",
            product=Product.NAVI,
            expires_on="2099-01-01",
        )
        for number in range(count)
    )
    License.objects.bulk_create(
        License(client=client, module=Module.MAIN, quantity=1) for client in created
    )
    with_production_password(partner_a_user, PASSWORD)
    browser = Browser()
    browser.sign_in(portal, partner_a_user.username, PASSWORD)

    def export(export_format):
        url = f"{portal}/clientes/?_export={export_format}&sort=-name"
        with browser.opener.open(url, timeout=60) as response:
            return response.status, response.read()

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(export, ["csv"] * 5 + ["xlsx"]))

    for status, body in answers[:5]:
        assert status == 200
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
        assert len(rows) == count + 1  # the header and every client, none cut off
        names = [row[1] for row in rows[1:]]
        assert names == sorted(names, reverse=True)
    status, body = answers[5]
    assert status == 200
    sheet = load_workbook(io.BytesIO(body), read_only=True)["Clientes"]
    assert sum(1 for _ in sheet.iter_rows()) == count + 1
