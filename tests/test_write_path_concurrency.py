"""Lost updates across connections (PostgreSQL, each writer on its own connection):

- a form loaded before another change to the client — the admin's change form, the portal's
  Editar — is refused on save and changes nothing (Client.version);
- an import renewing a client while the partner hides it never leaves it Oculto with a
  vencimento ahead (the import locks the clients it names for its transaction).
"""

import datetime
import threading

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from clients.domain.status import Status, client_status
from clients.models import Client, ClientEvent, Product
from clients.services import STALE_MESSAGE, ActionNotAllowed, client_hide, client_suspend
from clients.transfer.importing import import_clients, planning
from tests.client_actions import form_data
from tests.test_admin import _change

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_thread(call):
    """Run `call` on another thread, hence another database connection; its result or error."""
    result = {}

    def run():
        try:
            result["value"] = call()
        except Exception as error:  # noqa: BLE001 -- reported to the test
            result["value"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    return result["value"]


def test_a_stale_admin_form_cannot_undo_a_suspension_made_in_the_portal(
    admin_client_, partner_a, partner_a_user, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Loja")
    page = admin_client_.get(reverse("admin:clients_client_change", args=[shop.pk]))
    loaded = page.context["adminform"].form.initial["loaded_version"]
    # Meanwhile, on another connection, the partner suspends the client.
    assert not isinstance(
        in_thread(lambda: client_suspend(client=shop, by=partner_a_user)), Exception
    )

    response = _change(admin_client_, shop, name="Loja Renomeada", loaded_version=loaded)

    assert response.status_code == 302
    followed = admin_client_.get(response.url)
    assert STALE_MESSAGE in followed.text
    shop.refresh_from_db()
    assert shop.name == "Loja" and client_status(shop) == Status.SUSPENDED
    assert list(ClientEvent.objects.values_list("action", flat=True)) == ["suspender"]


def test_a_stale_editar_form_cannot_undo_a_suspension(
    client_a, partner_a, staff_user, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Loja")
    url = reverse("clients:editar", args=[shop.pk])
    loaded = client_a.get(url).context["form"]["loaded_version"].value()
    # Meanwhile, on another connection, the vendor suspends it in the admin.
    assert not isinstance(in_thread(lambda: client_suspend(client=shop, by=staff_user)), Exception)

    response = client_a.post(
        url, form_data(shop, name="Loja Renomeada", licenses=3, loaded_version=loaded)
    )

    assert response.status_code == 302  # back to the list, with the refusal
    assert STALE_MESSAGE in client_a.get(response.url).text
    shop.refresh_from_db()
    assert shop.name == "Loja" and client_status(shop) == Status.SUSPENDED
    assert shop.licenses.get().quantity == 1
    assert list(ClientEvent.objects.values_list("action", flat=True)) == ["suspender"]


def test_an_import_racing_ocultar_never_leaves_a_renewed_client_hidden(
    partner_a, partner_a_user, make_client, monkeypatch
):
    today = timezone.localdate()
    inactive = today.replace(day=1) - datetime.timedelta(days=40)
    shop = make_client(partner_a, cpf_cnpj="52998224725", product=Product.LINK, expires_on=inactive)
    renewed = today.replace(year=today.year + 1)
    header = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento"
    data = f"{header}\n{shop.name};{shop.cpf_cnpj};;link;SP;São Paulo;{renewed:%d/%m/%Y}\n"

    # The import stops after it has planned (and locked), until the partner's Ocultar has
    # had its chance to run on another connection.
    planned, hidden = threading.Event(), threading.Event()
    compare = planning.compare

    def compare_then_wait(*args):
        plans = compare(*args)
        planned.set()
        hidden.wait(timeout=3)
        return plans

    monkeypatch.setattr("clients.transfer.importing.compare", compare_then_wait)
    importing = threading.Thread(
        target=lambda: in_thread(lambda: import_clients(partner=partner_a, data=data.encode()))
    )
    importing.start()
    assert planned.wait(timeout=10)
    hiding = {}
    hider = threading.Thread(
        target=lambda: hiding.update(
            result=in_thread(lambda: client_hide(client=shop, by=partner_a_user))
        )
    )
    hider.start()
    hider.join(timeout=1)  # with the lock, Ocultar waits for the import
    hidden.set()
    importing.join(timeout=30)
    hider.join(timeout=30)

    shop.refresh_from_db()
    assert shop.expires_on == renewed
    assert shop.hidden_at is None and client_status(shop) == Status.ACTIVE
    assert isinstance(hiding["result"], ActionNotAllowed)
    assert Client.objects.count() == 1
