"""The status tally (clients.models.StatusTally, clients.tally): the database keeps it, so
the counts it gives are the counts of the clients, whoever wrote them and however.

Each test compares the tally with the clients themselves after writes through every path: the
services (single and bulk), the import, the admin's plain-data save, a raw UPDATE and a
DELETE. On PostgreSQL, two writers of the same key never wait for each other.
"""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count, Q
from django.db.utils import OperationalError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients import tally
from clients.domain.actions import Action
from clients.domain.status import Status, status_counts, today
from clients.models import Client, Product, StatusTally
from clients.services import (
    client_hide,
    client_reactivate,
    client_renew,
    client_staff_edit,
    client_suspend,
    client_unsuspend,
    clients_act,
)
from clients.transfer.importing import import_clients
from tests.csv_helpers import HEADER

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="os gatilhos por instrução são do PostgreSQL"
)


def counted(partner) -> dict:
    """Each key's clients, counted over the clients' rows."""
    rows = (
        Client.objects.filter(partner=partner)
        .order_by()
        .values("expires_on", "product")
        .annotate(
            hidden=Q(hidden_at__isnull=False),
            pending=Q(pending_since__isnull=False),
            suspended=Q(suspended_at__isnull=False),
            n=Count("pk"),
        )
    )
    return {
        (r["expires_on"], r["product"], r["hidden"], r["pending"], r["suspended"]): r["n"]
        for r in rows
    }


def tallied(partner) -> dict:
    """Each key's clients, summed over the partner's tally rows."""
    totals = {}
    for row in StatusTally.objects.filter(partner=partner):
        key = (
            row.expires_on,
            row.product,
            bool(row.hidden_at),
            bool(row.pending_since),
            bool(row.suspended_at),
        )
        totals[key] = totals.get(key, 0) + row.clients
    return {key: n for key, n in totals.items() if n}


def assert_in_step(*partners, merged=True):
    """The tally counts what the clients count. `merged`: with no concurrent writer, every
    key has one row, positive (with one, a writer's own row may be its negative delta)."""
    for partner in partners:
        assert tallied(partner) == counted(partner)
        assert status_counts(
            StatusTally.objects.filter(partner=partner), count=tally.count_tallied
        ) == status_counts(Client.objects.filter(partner=partner))
    if merged:
        assert not StatusTally.objects.filter(clients__lte=0).exists()
        keys = ("partner", "expires_on", "product", "hidden_at", "pending_since", "suspended_at")
        assert StatusTally.objects.count() == StatusTally.objects.values(*keys).distinct().count()


def test_every_write_path_keeps_the_tally_in_step(
    partner_a, partner_b, partner_a_user, make_client_in, tmp_path
):
    user = partner_a_user
    for status in Status:
        make_client_in(partner_a, status)
        make_client_in(partner_b, status)
    assert_in_step(partner_a, partner_b)
    assert StatusTally.objects.filter(partner=partner_a).exists()

    ativo = make_client_in(partner_a, Status.ACTIVE, product=Product.LINK)
    client_suspend(client=ativo, by=user)
    assert_in_step(partner_a, partner_b)
    client_unsuspend(client=ativo, by=user)
    client_renew(client=ativo, by=user)
    assert_in_step(partner_a)

    inativo = make_client_in(partner_a, Status.INACTIVE)
    client_hide(client=inativo, by=user)
    assert_in_step(partner_a)
    other = make_client_in(partner_a, Status.INACTIVE)
    client_reactivate(client=other, by=user, fields={}, licenses=None, expected_version=None)
    assert_in_step(partner_a)

    expired = [make_client_in(partner_a, Status.ACTIVE) for _ in range(3)]
    clients_act(
        clients=Client.objects.filter(pk__in=[c.pk for c in expired]),
        action=Action.SUSPEND,
        by=user,
    )
    assert_in_step(partner_a)

    staff_edit = make_client_in(partner_a, Status.ACTIVE)
    client_staff_edit(
        client=staff_edit,
        by=None,
        fields={"notes": "Só dados: nenhum fato de status muda."},
        expected_version=staff_edit.version,
    )
    assert_in_step(partner_a)

    data = "\r\n".join(
        [
            HEADER,
            f"Importado Um;{Client.objects.first().cpf_cnpj};;navi;SP;São Paulo;"
            f"{today() + datetime.timedelta(days=40):%d/%m/%Y}",
        ]
    ).encode()
    import_clients(partner=partner_a, data=data, source="teste")
    assert_in_step(partner_a, partner_b)

    Client.objects.filter(partner=partner_b).update(expires_on=today() + datetime.timedelta(1))
    assert_in_step(partner_a, partner_b)
    # The check-in's write changes no status fact: no tally row changes.
    before = list(StatusTally.objects.order_by("pk").values_list("pk", "clients"))
    Client.objects.filter(partner=partner_a).update(link_version="4.2")
    assert list(StatusTally.objects.order_by("pk").values_list("pk", "clients")) == before

    victim = make_client_in(partner_b, Status.INACTIVE)
    victim.licenses.all().delete()
    victim.delete()
    assert_in_step(partner_a, partner_b)


def test_the_list_counts_from_the_tally_only_without_other_filters(
    client_a, partner_a, make_client_in
):
    for status in Status:
        make_client_in(partner_a, status)
    make_client_in(partner_a, Status.ACTIVE, name="Padaria Estrela")

    def counts_and_tables(query):
        with CaptureQueriesContext(connection) as queries:
            response = client_a.get(reverse("clients:list"), query)
        tables = " ".join(q["sql"] for q in queries.captured_queries)
        return dict(response.context["status_counts"]), "clients_statustally" in tables

    counts, from_tally = counts_and_tables({})
    assert from_tally
    assert counts == status_counts(Client.objects.filter(partner=partner_a))
    counts, from_tally = counts_and_tables({"status": "suspenso"})
    assert from_tally
    assert counts[Status.SUSPENDED] == 1

    counts, from_tally = counts_and_tables({"q": "Estrela"})
    assert not from_tally
    assert counts[Status.ACTIVE] == 1
    assert sum(counts.values()) == 1


def test_rebuild_counts_the_clients_again(partner_a, partner_b, make_client_in):
    for status in Status:
        make_client_in(partner_a, status)
        make_client_in(partner_b, status)
    StatusTally.objects.filter(partner=partner_a).delete()
    StatusTally.objects.create(
        partner=partner_b, expires_on=today(), product=Product.LINK, clients=7
    )
    assert tallied(partner_a) != counted(partner_a)

    assert tally.rebuild() == Client.objects.count()
    assert_in_step(partner_a, partner_b)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_writers_of_one_key_never_wait_for_each_other(partner_a, partner_a_user, make_client):
    """A long transaction (an import) holding a key's tally rows does not make a portal
    action on another client of the same key wait: the trigger skips the rows another writer
    holds and adds its own (FOR UPDATE SKIP LOCKED)."""
    day = today() + datetime.timedelta(days=30)
    first, second = (make_client(partner_a, expires_on=day) for _ in range(2))
    make_client(partner_a, expires_on=day)  # the key's row exists before both writers
    tally.rebuild()
    user = partner_a_user
    holding, done = threading.Event(), threading.Event()
    results = {}

    def long_transaction():
        try:
            with transaction.atomic():
                client_suspend(client=first, by=user)
                holding.set()
                done.wait(timeout=20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=long_transaction)
    thread.start()
    try:
        assert holding.wait(timeout=20)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                client_suspend(client=second, by=user)
            results["second"] = "suspended"
        except OperationalError as waited:
            results["second"] = waited
    finally:
        done.set()
        thread.join(timeout=30)

    assert results["second"] == "suspended"
    assert_in_step(partner_a, merged=False)
    # The rows merge again as writes go: the next write of the key leaves one row.
    client_unsuspend(client=second, by=user)
    client_unsuspend(client=first, by=user)
    rows = StatusTally.objects.filter(partner=partner_a, expires_on=day, suspended_at=None)
    assert rows.count() == 1
    assert_in_step(partner_a)


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_many_keys_leave_exact_counts(partner_a, make_client):
    """Threads moving clients between keys at once: no deadlock, no lost change."""
    base = today() + datetime.timedelta(days=10)
    clients = [make_client(partner_a, expires_on=base) for _ in range(40)]
    errors = []
    start = threading.Barrier(4)

    def worker(index):
        try:
            start.wait()
            mine = clients[index::4]
            for step in range(5):
                with transaction.atomic():
                    for client in mine:
                        Client.objects.filter(pk=client.pk).update(
                            expires_on=base + datetime.timedelta(days=(step + index) % 3)
                        )
        except Exception as error:  # noqa: BLE001 -- reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert_in_step(partner_a, merged=False)


def test_the_rebuild_command_says_how_many_it_counted(partner_a, make_client_in):
    import io

    from django.core.management import call_command

    for status in Status:
        make_client_in(partner_a, status)
    StatusTally.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_status_tally", stdout=out)
    assert out.getvalue().strip() == f"Contagens refeitas: {len(Status)} clientes."
    assert_in_step(partner_a)


def test_the_triggers_are_there_at_the_latest_migration(db):
    """A migration that rebuilds clients_client (SQLite rebuilds a table to alter a column)
    drops its triggers silently: the tally would stop counting."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = 'clients_client'::regclass "
                "AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'clients_client'"
            )
        names = {name for (name,) in cursor.fetchall()}
    kinds = {"insert", "update", "delete"} | (
        {"truncate"} if connection.vendor == "postgresql" else set()
    )
    assert names == {f"clients_statustally_{kind}" for kind in kinds}


def trigger_plans(statement: str) -> list[str]:
    """The plans PostgreSQL ran for `statement` and the statements of its triggers
    (auto_explain, its log lines sent to this session as notices)."""
    plans = []
    raw = connection.connection

    def keep(diagnostic):
        if diagnostic.message_primary and "plan:" in diagnostic.message_primary:
            plans.append(diagnostic.message_primary)

    raw.add_notice_handler(keep)
    try:
        with connection.cursor() as cursor:
            cursor.execute("LOAD 'auto_explain'")
            cursor.execute("SET LOCAL auto_explain.log_min_duration = 0")
            cursor.execute("SET LOCAL auto_explain.log_nested_statements = on")
            cursor.execute("SET LOCAL client_min_messages = log")
            cursor.execute(statement)
            cursor.execute("SET LOCAL client_min_messages = notice")
    finally:
        raw.remove_notice_handler(keep)
    return plans


@pytest.mark.postgres
def test_an_update_that_moves_no_client_is_found_so_without_a_join(partner_a, make_client):
    """The update trigger's first question — did the statement change any status fact? — is
    one aggregate over its old and new rows. A join of the two, planned once per connection for
    tables of unknown size, is a nested loop: quadratic in the rows one statement updates (an
    import that corrects every client's e-mail)."""
    for _ in range(3):
        make_client(partner_a)
    with transaction.atomic():
        plans = trigger_plans("UPDATE clients_client SET email = 'novo@exemplo.com.br'")
    check = [plan for plan in plans if "new_rows" in plan and "old_rows" in plan]
    assert len(check) == 1, plans  # the check only: no merge, the tally is left as it is
    assert "Join" not in check[0] and "Nested Loop" not in check[0], check[0]
    assert_in_step(partner_a)
