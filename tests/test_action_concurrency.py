"""Two conflicting actions on one client at the same moment: one consistent result, one event.

PostgreSQL only (real row locks): each action runs in its own thread, on its own connection.
The test holds the client's row lock until both threads are waiting for it, so the two
requests really are in flight together; then it lets them go.
"""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from clients.domain.status import Status
from clients.models import Client, ClientEvent, Product
from clients.services import (
    ActionNotAllowed,
    DuplicateClient,
    client_hide,
    client_reactivate,
    client_register,
    client_suspend,
    document_lock_key,
)
from tests.client_actions import form_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def in_threads(*calls, hold_row=None):
    """Run each call in its own thread; return what each returned or raised.

    With `hold_row`, the calls start while this thread holds that client's row lock, which is
    released only once every call is blocked on it.
    """
    results = [None] * len(calls)
    start = threading.Barrier(len(calls))

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except Exception as error:  # noqa: BLE001 -- reported to the test
            results[index] = error
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    if hold_row is None:
        for thread in threads:
            thread.start()
    else:
        with transaction.atomic():
            Client.objects.select_for_update().get(pk=hold_row.pk)
            for thread in threads:
                thread.start()
            wait_for_lock_waiters(len(calls))
    for thread in threads:
        thread.join(timeout=30)
    return results


def wait_for_lock_waiters(count, timeout=10.0):
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # Inside a transaction PostgreSQL would keep showing its first statistics snapshot.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.01)
    raise AssertionError(f"{count} sessions never waited for the row lock together")


def outcome(results):
    return sorted(type(result).__name__ for result in results)


def test_suspending_twice_at_once_suspends_once(partner_a, partner_a_user, make_client):
    shop = make_client(partner_a)

    def suspend():
        return client_suspend(client=shop, by=partner_a_user)

    results = in_threads(suspend, suspend, hold_row=shop)

    assert outcome(results) == ["ActionNotAllowed", "Client"]
    shop.refresh_from_db()
    assert shop.status == Status.SUSPENDED
    assert ClientEvent.objects.filter(client=shop).count() == 1


def test_hiding_racing_reactivation_leaves_one_of_them(partner_a, partner_a_user, make_client_in):
    shop = make_client_in(partner_a, Status.INACTIVE)

    def hide():
        return client_hide(client=shop, by=partner_a_user)

    def reactivate():
        data = form_data(shop)
        fields = {name: data[name] for name in ("name", "email", "uf", "city", "renewal")}
        return client_reactivate(
            client=shop, by=partner_a_user, fields=fields, licenses={"principal": 2}
        )

    results = in_threads(hide, reactivate, hold_row=shop)

    assert outcome(results) == ["ActionNotAllowed", "Client"]
    winner = "ocultar" if isinstance(results[0], Client) else "reativar"
    shop.refresh_from_db()
    assert shop.status == (Status.HIDDEN if winner == "ocultar" else Status.ACTIVE)
    assert list(ClientEvent.objects.filter(client=shop).values_list("action", flat=True)) == [
        winner
    ]
    # The loser changed nothing: a hidden client kept its licenses and its old vencimento.
    if winner == "ocultar":
        assert shop.licenses.get(module="principal").quantity == 1
        assert isinstance(results[1], ActionNotAllowed)


def registration(partner, user):
    """A call that registers Mercado Novo (one CNPJ, Navi) for `partner`."""
    return lambda: client_register(
        partner=partner,
        by=user,
        cpf_cnpj="11222333000181",
        product=Product.NAVI,
        fields={
            "name": "Mercado Novo",
            "email": "",
            "uf": "SP",
            "city": "Campinas",
            "renewal": "manual",
        },
        licenses={"principal": 1},
    )


def test_registering_the_same_client_twice_at_once_creates_one(partner_a, partner_a_user):
    register = registration(partner_a, partner_a_user)
    results = in_threads(register, register)

    assert outcome(results) == ["Client", "DuplicateClient"]
    assert Client.objects.count() == 1
    assert ClientEvent.objects.count() == 1
    assert any(isinstance(result, DuplicateClient) for result in results)


def test_two_partners_registering_one_document_at_once_leave_one_pendente(
    partner_a, partner_b, partner_a_user, partner_b_user
):
    # Both registrations start while this thread holds the document's lock, and run once both
    # wait for it: without the lock, each would see no other partner's client and end Ativo.
    key = document_lock_key("11222333000181", Product.NAVI)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])
        results = [None, None]
        calls = [registration(partner_a, partner_a_user), registration(partner_b, partner_b_user)]

        def run(index):
            try:
                results[index] = calls[index]()
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run, args=[i]) for i in range(2)]
        for thread in threads:
            thread.start()
        wait_for_lock_waiters(2)
    for thread in threads:
        thread.join(timeout=30)

    statuses = sorted(Client.objects.get(pk=result.pk).status.value for result in results)
    assert statuses == ["ativo", "pendente"]
