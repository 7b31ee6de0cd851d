"""The check-in replica (licenses.replica): each app process answers check-ins from its copy
of the activated clients' facts, which PostgreSQL's notifications keep current."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from clients import services
from clients.models import Client, License, Module
from licenses import activation
from licenses.replica import Facts, replica, touch
from tests.servers import app_server, database_url

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def activate(make_link_client, partner_a):
    """activate(**client fields) → (client, key): a Link client that activated with 4.0."""

    def make(**fields):
        client, code = make_link_client(partner_a, **fields)
        client = activation.client_activate(code=code, machine="CAIXA", version="4.0")
        return client, client.license_key

    return make


def from_database(key) -> Facts | None:
    """The facts of `key` as the database has them now (what the replica must agree with)."""
    return touch(key, timezone.now())


def check_in(key, version="4.0") -> Facts:
    return activation.client_check_in(key=key, version=version)


def wait_until(condition, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "a condição não se cumpriu a tempo"
        time.sleep(0.02)


def test_it_loads_the_activated_clients_when_it_starts(
    live_replica, activate, make_link_client, partner_a
):
    keys = [activate(licenses=n)[1] for n in (1, 2, 3)]
    make_link_client(partner_a)  # not activated: no key, nothing to load

    replica.stop()
    replica.start()

    assert replica.wait_live()
    assert len(replica) == 3
    for key in keys:
        assert replica.get(key) == from_database(key)


def test_a_check_in_of_a_remembered_key_does_not_touch_the_database(
    live_replica, activate, django_assert_num_queries
):
    _, key = activate(licenses=2)
    first = check_in(key)  # read from the database, and remembered

    with django_assert_num_queries(0):
        again = check_in(key)

    assert again == first == from_database(key)
    assert [(lic.module, lic.quantity) for lic in again.licenses] == [("principal", 2)]


def test_the_time_of_contact_reaches_the_database_within_the_flush_interval(live_replica, activate):
    client, key = activate()
    check_in(key)
    Client.objects.filter(pk=client.pk).update(last_seen_at=None)

    before = timezone.now()
    check_in(key)

    def written():
        client.refresh_from_db()
        return client.last_seen_at is not None

    wait_until(written, timeout=5)
    assert client.last_seen_at >= before


def test_a_later_time_of_contact_is_never_replaced_by_an_earlier_one(live_replica, activate):
    client, key = activate()
    check_in(key)
    future = timezone.now() + datetime.timedelta(hours=1)
    Client.objects.filter(pk=client.pk).update(last_seen_at=future)

    check_in(key)
    replica.stop()  # a last flush

    client.refresh_from_db()
    assert client.last_seen_at == future


def suspend(client, staff_user):
    services.client_suspend(client=client, by=staff_user)


def expire_by_bulk_update(client, staff_user):
    Client.objects.filter(pk=client.pk).update(expires_on=datetime.date(2020, 1, 31))


def hide_and_make_pending_by_hand(client, staff_user):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE clients_client SET pending_since = now(), pending_reason = 'psql' "
            "WHERE id = %s",
            [client.pk],
        )


def add_licenses(client, staff_user):
    License.objects.filter(client=client, module=Module.MAIN).update(quantity=7)


def add_a_module(client, staff_user):
    License.objects.create(client=client, module=Module.CLOUD, quantity=1)


def schedule_a_reduction(client, staff_user):
    License.objects.filter(client=client).update(
        scheduled_quantity=1, scheduled_from=timezone.localdate()
    )


def remove_the_licenses(client, staff_user):
    License.objects.filter(client=client).delete()


@pytest.mark.parametrize(
    "change",
    [
        suspend,
        expire_by_bulk_update,
        hide_and_make_pending_by_hand,
        add_licenses,
        add_a_module,
        schedule_a_reduction,
        remove_the_licenses,
    ],
)
def test_a_change_made_any_way_is_what_the_next_check_in_answers(
    live_replica, activate, staff_user, signing_key, change
):
    client, key = activate(licenses=3)
    check_in(key)
    check_in(key)
    remembered = replica.get(key)
    assert remembered is not None

    change(client, staff_user)
    assert replica.sync()

    answer = check_in(key)
    assert answer == from_database(key) != remembered
    state = activation.license_state(answer, answer.licenses)
    expected = Client.objects.get(pk=client.pk)
    assert state["status"] == expected.status.value


def test_a_deleted_client_or_a_replaced_key_is_unknown_at_the_next_check_in(
    live_replica, activate, make_link_client, partner_a
):
    deleted, deleted_key = activate()
    client, old_key = activate()
    for key in (deleted_key, old_key):
        check_in(key)

    deleted.delete()
    Client.objects.filter(pk=client.pk).update(license_key="NOVA-CHAVE")
    assert replica.sync()

    for key in (deleted_key, old_key):
        with pytest.raises(activation.KeyNotFound):
            check_in(key)
    assert check_in("NOVA-CHAVE").pk == client.pk


def test_a_truncate_forgets_everything(live_replica, activate):
    _, key = activate()
    check_in(key)
    assert len(replica) == 1

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE clients_license")
    assert replica.sync()

    assert len(replica) == 0
    assert check_in(key).licenses == ()


def test_facts_read_before_a_change_it_was_told_of_are_not_remembered(live_replica, activate):
    client, key = activate()
    generation = replica.generation
    stale = from_database(key)  # a request read the facts…
    services.client_suspend(client=client, by=None)  # …a change committed meanwhile…
    assert replica.sync()

    replica.remember(key, stale, generation)  # …so the request must not keep what it read

    assert replica.get(key) is None
    assert check_in(key).suspended_at is not None


def test_a_new_version_is_recorded_once_and_the_replica_follows(live_replica, activate):
    client, key = activate()
    check_in(key)

    check_in(key, "4.1")
    assert replica.sync()

    assert check_in(key, "4.1").link_version == "4.1"
    assert list(client.events.order_by("pk").values_list("action", flat=True)) == [
        "ativar",
        "versao",
    ]


def test_it_holds_at_most_the_configured_number_of_clients(live_replica, activate, settings):
    settings.CHECK_IN_REPLICA_SIZE = 2
    keys = [activate()[1] for _ in range(3)]

    for key in keys:
        check_in(key)

    assert len(replica) == 2
    assert all(check_in(key) == from_database(key) for key in keys)


def listener_backends() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return [pid for (pid,) in cursor.fetchall()]


def test_when_its_connection_is_lost_it_loads_again_and_answers_a_change_it_missed(
    live_replica, activate
):
    client, key = activate()
    check_in(key)
    assert replica.get(key) is not None
    loads = replica.loads

    with connection.cursor() as cursor:
        for pid in listener_backends():
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    # A change it may not be told of: made while its connection is gone or being replaced.
    Client.objects.filter(pk=client.pk).update(suspended_at=timezone.now())
    wait_until(lambda: replica.live and replica.loads > loads)

    assert check_in(key).suspended_at is not None
    assert check_in(key) == from_database(key)


def post_json(base, path, body):
    import json
    import urllib.request

    request = urllib.request.Request(
        base + path, json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_app_processes_see_a_suspension_made_elsewhere_and_flush_at_exit(
    activate, signing_key, staff_user
):
    client, key = activate()
    env = {
        "CHECK_IN_REPLICA": "true",
        "CHECK_IN_FLUSH_SECONDS": "3600",  # so only the flush at exit writes the last contact
        "LICENSE_SIGNING_KEY": signing_key_pem(signing_key),
    }
    with app_server(database_url(connection.settings_dict), **env) as base:
        body = {"chave": key, "versao": "4.0"}
        for _ in range(3):
            assert post_json(base, "/api/v1/verificacao", body)["status"] == "ativo"

        services.client_suspend(client=client, by=staff_user)  # in this process, not theirs
        suspended_at = time.monotonic()
        while post_json(base, "/api/v1/verificacao", body)["status"] != "suspenso":
            assert time.monotonic() - suspended_at < 2, "a suspensão não chegou ao servidor"

        # The last check-in read the database and was remembered: this one is answered from
        # memory, and its time of contact waits in the process.
        Client.objects.filter(pk=client.pk).update(last_seen_at=None)
        assert post_json(base, "/api/v1/verificacao", body)["status"] == "suspenso"
        client.refresh_from_db()
        assert client.last_seen_at is None

    client.refresh_from_db()
    assert client.last_seen_at is not None  # written when the server stopped


def signing_key_pem(key) -> str:
    from licenses.signing import private_key_pem

    return private_key_pem(key)


def test_a_row_held_by_another_transaction_delays_its_time_of_contact_and_nothing_else(
    live_replica, activate
):
    held, held_key = activate()
    other, other_key = activate()
    for key in (held_key, other_key):
        check_in(key)
    Client.objects.filter(pk__in=[held.pk, other.pk]).update(last_seen_at=None)
    told = []

    def suspend_the_other_client():  # in another transaction, while the row is held
        try:
            services.client_suspend(client=other, by=None)
            told.append(replica.sync(timeout=2))
        finally:
            connection.close()

    with transaction.atomic():  # e.g. an import holding the client's row
        Client.objects.select_for_update().get(pk=held.pk)
        check_in(held_key)
        check_in(other_key)
        # The other client's time is written meanwhile (this transaction reads committed rows).
        wait_until(lambda: Client.objects.get(pk=other.pk).last_seen_at is not None, timeout=5)
        thread = threading.Thread(target=suspend_the_other_client)
        thread.start()
        thread.join()

        assert told == [True]  # the listening went on
        assert replica.live and replica.get(other_key) is None
        assert Client.objects.get(pk=held.pk).last_seen_at is None

    wait_until(lambda: Client.objects.get(pk=held.pk).last_seen_at is not None, timeout=5)


def test_when_notifications_stop_arriving_it_notices_and_starts_again(
    live_replica, activate, monkeypatch
):
    # As behind a pooler in transaction mode: queries work, notifications never come.
    from licenses import replica as module

    monkeypatch.setattr(module, "PING_SECONDS", 0.2)
    monkeypatch.setattr(module, "PING_DEADLINE", 1)
    _, key = activate()
    check_in(key)
    loads = replica.loads

    replica._listening.execute("UNLISTEN *")  # waits for the listener's connection lock

    wait_until(lambda: replica.loads > loads and replica.live, timeout=15)
    assert check_in(key) == from_database(key)


def test_a_read_made_while_it_was_away_is_not_kept_after_it_loads_again(live_replica, activate):
    client, key = activate()
    with connection.cursor() as cursor:
        for pid in listener_backends():
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    wait_until(lambda: not replica.live, timeout=5)
    loads = replica.loads

    generation = replica.generation  # a check-in reads from the database meanwhile…
    stale = from_database(key)
    services.client_suspend(client=client, by=None)  # …a change nobody can tell it of…
    wait_until(lambda: replica.live and replica.loads > loads)
    replica.remember(key, stale, generation)  # …and the check-in ends after the load

    assert replica.get(key) == from_database(key) != stale
    assert check_in(key).suspended_at is not None
