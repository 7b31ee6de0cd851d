"""POST /api/v1/verificacao: the software checks in with its key and learns its status."""

import datetime

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.models import Client, License, Module
from licenses import activation, signing

TODAY = datetime.date(2026, 11, 18)


@pytest.fixture
def activated(api, make_link_client, partner_a):
    """A Link client that activated with version 4.2.1: returns (client, key)."""
    client, code = make_link_client(partner_a, licenses=2)
    body = {"codigo_registro": code, "maquina": "CAIXA-01", "versao": "4.2.1"}
    key = api.post("ativacao", body).json()["chave"]
    client.refresh_from_db()
    return client, key


def check_in(api, key, version="4.2.1"):
    return api.post("verificacao", {"chave": key, "versao": version})


def test_it_answers_status_vencimento_licenses_and_a_signed_license(api, activated):
    client, key = activated

    response = check_in(api, key)

    assert response.status_code == 200
    data = response.json()
    assert set(data) == {"status", "vencimento", "licencas", "licenca_assinada"}
    assert data["status"] == "ativo"
    assert data["vencimento"] == client.expires_on.isoformat()
    assert data["licencas"] == {"principal": 2}
    payload = signing.verify(data["licenca_assinada"], signing.public_key())
    assert payload["cliente"] == client.pk
    assert payload["status"] == "ativo"


def test_it_records_the_time_of_contact(api, activated):
    client, key = activated
    Client.objects.filter(pk=client.pk).update(last_seen_at=None)

    check_in(api, key)

    client.refresh_from_db()
    assert timezone.now() - client.last_seen_at < datetime.timedelta(minutes=1)


def test_it_records_a_new_version_in_the_client_and_its_history(api, activated):
    client, key = activated

    check_in(api, key, "4.3.0")

    client.refresh_from_db()
    assert client.link_version == "4.3.0"
    event = client.events.get(action="versao")
    assert event.actor_label == "api"
    assert (event.before["link_version"], event.after["link_version"]) == ("4.2.1", "4.3.0")


def test_the_same_version_adds_nothing_to_the_history(api, activated):
    client, key = activated

    check_in(api, key)
    check_in(api, key)

    assert list(client.events.values_list("action", flat=True)) == ["ativar"]


def test_a_suspension_is_visible_at_the_next_check_in(api, activated):
    client, key = activated
    assert check_in(api, key).json()["status"] == "ativo"
    # What the partner's Suspender does to the row (clients.services owns the action itself).
    Client.objects.filter(pk=client.pk).update(suspended_at=timezone.now())

    data = check_in(api, key).json()

    assert data["status"] == "suspenso"
    assert signing.verify(data["licenca_assinada"], signing.public_key())["status"] == "suspenso"


@pytest.mark.parametrize(
    "expires_on,status",
    [
        (TODAY, "ativo"),
        (TODAY - datetime.timedelta(days=1), "expirado"),
        (datetime.date(2026, 10, 31), "inativo"),
    ],
)
def test_an_expired_or_inactive_client_gets_200_and_its_status(api, activated, expires_on, status):
    client, key = activated
    Client.objects.filter(pk=client.pk).update(expires_on=expires_on)

    with time_machine.travel(datetime.datetime(2026, 11, 18, 12, tzinfo=datetime.UTC)):
        response = check_in(api, key)

    assert response.status_code == 200
    assert response.json()["status"] == status
    assert response.json()["vencimento"] == expires_on.isoformat()


def test_a_pending_client_is_told_it_is_pending(api, activated):
    client, key = activated
    Client.objects.filter(pk=client.pk).update(pending_since=timezone.now())

    assert check_in(api, key).json()["status"] == "pendente"


def test_a_scheduled_reduction_counts_from_its_date(api, activated):
    client, key = activated
    License.objects.filter(client=client, module=Module.MAIN).update(
        quantity=5, scheduled_quantity=2, scheduled_from=datetime.date(2026, 12, 1)
    )

    with time_machine.travel(datetime.datetime(2026, 11, 30, 15, tzinfo=datetime.UTC)):
        before = check_in(api, key).json()["licencas"]
    with time_machine.travel(datetime.datetime(2026, 12, 1, 15, tzinfo=datetime.UTC)):
        after = check_in(api, key).json()["licencas"]

    assert (before, after) == ({"principal": 5}, {"principal": 2})


def test_the_key_may_be_sent_in_lower_case_with_spaces(api, activated):
    _, key = activated

    assert check_in(api, f"  {key.lower()} ").status_code == 200


def test_an_unknown_key_gets_404(api, activated):
    _, key = activated

    response = check_in(api, key[:-1] + ("2" if key[-1] != "2" else "3"))

    assert response.status_code == 404
    assert response.json() == {"erro": "Chave não encontrada."}


def test_one_clients_key_never_reveals_another_clients_data(
    api, make_link_client, partner_a, partner_b
):
    keys = {}
    for partner, licenses in ((partner_a, 2), (partner_b, 7)):
        client, code = make_link_client(partner, licenses=licenses)
        License.objects.create(client=client, module=Module.TEF, quantity=licenses)
        body = {"codigo_registro": code, "maquina": partner.code, "versao": "1"}
        keys[client.pk] = api.post("ativacao", body).json()["chave"]

    for pk, key in keys.items():
        client = Client.objects.get(pk=pk)
        data = check_in(api, key, "1").json()
        payload = signing.verify(data["licenca_assinada"], signing.public_key())
        assert payload["cliente"] == pk
        assert data["licencas"] == payload["licencas"] == client_licenses(client)
        assert data["vencimento"] == client.expires_on.isoformat()


def client_licenses(client):
    return {lic.module: lic.quantity for lic in client.licenses.all()}


def test_a_check_in_reads_once_and_writes_the_contact_at_most_once_per_interval(
    api, activated, settings, django_assert_num_queries
):
    client, key = activated
    body = {"chave": key, "versao": "4.2.1"}
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        Client.objects.filter(pk=client.pk).update(last_seen_at=start)
        # 1. SELECT the client's facts JOIN its licenses, by license_key; no write.
        with django_assert_num_queries(1):
            assert api.post("verificacao", body).status_code == 200
    later = start + datetime.timedelta(seconds=settings.CHECK_IN_CONTACT_SECONDS - 1)
    with time_machine.travel(later, tick=False), django_assert_num_queries(1):
        assert api.post("verificacao", body).status_code == 200
    client.refresh_from_db()
    assert client.last_seen_at == start
    stale = start + datetime.timedelta(seconds=settings.CHECK_IN_CONTACT_SECONDS + 1)
    # 1. the read, 2. UPDATE last_seen_at WHERE still stale.
    with time_machine.travel(stale, tick=False), django_assert_num_queries(2):
        assert api.post("verificacao", body).status_code == 200
    client.refresh_from_db()
    assert client.last_seen_at == stale


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_check_in_records_the_contact(api, make_link_client, partner_a):
    # The statement then also turns off waiting for the disk at its commit (PostgreSQL).
    client, code = make_link_client(partner_a)
    key = api.post("ativacao", {"codigo_registro": code, "maquina": "M", "versao": "1"}).json()[
        "chave"
    ]
    Client.objects.filter(pk=client.pk).update(last_seen_at=None)

    assert check_in(api, key, "1").json()["status"] == "ativo"

    client.refresh_from_db()
    assert client.last_seen_at is not None


def test_a_client_without_licenses_gets_an_empty_count(api, activated):
    client, key = activated
    License.objects.filter(client=client).delete()

    response = check_in(api, key)

    assert response.status_code == 200
    assert response.json()["licencas"] == {}


def test_the_read_gives_the_facts_the_models_hold(activated):
    # The check-in reads one SQL statement, not the ORM: the same values and types (aware
    # datetimes, dates) as the models give, for every license and for none.
    client, key = activated
    License.objects.create(
        client=client,
        module=Module.TEF,
        quantity=5,
        scheduled_quantity=2,
        scheduled_from=datetime.date(2026, 12, 1),
    )
    now = timezone.now()
    Client.objects.filter(pk=client.pk).update(
        suspended_at=now, pending_since=now, hidden_at=now, last_seen_at=now
    )
    client.refresh_from_db()

    facts = activation.read_facts(key)

    fields = ("pk", "expires_on", "suspended_at", "pending_since", "hidden_at")
    assert facts[:5] == tuple(getattr(client, name) for name in fields)
    assert (facts.link_version, facts.last_seen_at) == (client.link_version, now)
    assert sorted(facts.licenses) == sorted(
        (lic.module, lic.quantity, lic.scheduled_quantity, lic.scheduled_from)
        for lic in client.licenses.all()
    )
    License.objects.filter(client=client).delete()
    assert activation.read_facts(key).licenses == ()
    assert activation.read_facts("NOBODY") is None


def test_a_license_key_belongs_to_one_client(make_client, partner_a):
    make_client(partner_a, license_key="AAAA-BBBB")

    with pytest.raises(IntegrityError), transaction.atomic():
        make_client(partner_a, license_key="AAAA-BBBB")


@pytest.mark.postgres
def test_the_key_has_one_index_and_the_clients_pages_room_for_a_contact(db):
    # No second, LIKE-only copy of the key's index for every update to write;
    # pages a tenth free, so that writing the time of contact rewrites the row in its own page
    # (a HOT update, no index touched).
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Client._meta.db_table)
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [Client._meta.db_table]
        )
        options = cursor.fetchone()[0]
    on_key = {name: c for name, c in constraints.items() if c["columns"] == ["license_key"]}
    assert list(on_key) == ["client_unique_license_key"]
    assert on_key["client_unique_license_key"]["unique"]
    assert "fillfactor=90" in options
