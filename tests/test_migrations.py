"""A database at an earlier migration head, with data in it, migrates forward with nothing lost.

The licensing models moved from `licenses` to `clients` (clients 0004/0005, licenses 0006):
their rows must come along, and so must their content types (permissions point at them).
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

# The heads before the licensing models moved into `clients`.
BEFORE_MOVE = [("clients", "0003_client_list_indexes"), ("licenses", "0005_check_in_notifications")]


def before_move():
    """BEFORE_MOVE, with every other app at its latest migration that does not need the move."""
    graph = MigrationExecutor(connection).loader.graph
    moved = ("clients", "0004_licensing_models")
    others = [
        node
        for node in graph.leaf_nodes()
        if node[0] not in ("clients", "licenses") and moved not in graph.forwards_plan(node)
    ]
    return BEFORE_MOVE + others


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_licenses_codes_and_certificates_survive_the_move_into_clients():
    old = migrate(before_move())
    Partner = old.get_model("clients", "Partner")
    Client = old.get_model("clients", "Client")
    License = old.get_model("licenses", "License")
    Code = old.get_model("licenses", "RegistrationCode")
    Certificate = old.get_model("licenses", "Certificate")
    ContentType = old.get_model("contenttypes", "ContentType")
    Permission = old.get_model("auth", "Permission")

    partner = Partner.objects.create(code="alfa", name="Revenda Alfa")
    client = Client.objects.create(
        partner=partner,
        name="Mercado Antigo",
        cpf_cnpj="11222333000181",
        uf="SP",
        city="São Paulo",
        product="link",
        expires_on=datetime.date(2027, 1, 31),
    )
    License.objects.create(
        client=client,
        module="principal",
        quantity=3,
        scheduled_quantity=2,
        scheduled_from=datetime.date(2027, 1, 1),
    )
    Code.objects.create(client=client, partner=partner, code="AAAAA-BBBBB-CCCCC-DDDDD")
    now = timezone.now()
    Certificate.objects.create(
        client=client,
        holder="MERCADO ANTIGO LTDA",
        cnpj="11222333000181",
        issuer="AC Teste",
        serial_number="01",
        fingerprint="ab" * 32,
        valid_from=now,
        valid_until=now + datetime.timedelta(days=365),
        encrypted_file="token-file",
        encrypted_password="token-password",
    )
    license_type, _ = ContentType.objects.get_or_create(app_label="licenses", model="license")
    permission = Permission.objects.create(
        content_type=license_type, codename="audit_license", name="Can audit license"
    )

    try:
        new = migrate(latest())
        License = new.get_model("clients", "License")
        Code = new.get_model("clients", "RegistrationCode")
        Certificate = new.get_model("clients", "Certificate")
        ContentType = new.get_model("contenttypes", "ContentType")
        Permission = new.get_model("auth", "Permission")

        license = License.objects.get(client_id=client.pk)
        assert (license.module, license.quantity, license.scheduled_quantity) == (
            "principal",
            3,
            2,
        )
        assert license.scheduled_from == datetime.date(2027, 1, 1)
        code = Code.objects.get(client_id=client.pk)
        assert (code.code, code.partner_id, code.consumed_at) == (
            "AAAAA-BBBBB-CCCCC-DDDDD",
            partner.pk,
            None,
        )
        certificate = Certificate.objects.get(client_id=client.pk)
        assert (certificate.holder, certificate.encrypted_file) == (
            "MERCADO ANTIGO LTDA",
            "token-file",
        )
        assert License._meta.db_table == "clients_license"
        assert Permission.objects.get(pk=permission.pk).content_type == ContentType.objects.get(
            app_label="clients", model="license"
        )
        assert not ContentType.objects.filter(app_label="licenses", model="license").exists()
    finally:
        migrate(latest())


# The head that landed before the status tally (clients 0012) and the check-in's storage.
BEFORE_TALLY = ("clients", "0011_license_module_index")


@pytest.mark.django_db(transaction=True)
def test_clients_from_the_previous_head_are_counted_by_the_status_tally():
    graph = MigrationExecutor(connection).loader.graph
    tally = ("clients", "0012_status_tally")
    targets = [BEFORE_TALLY] + [
        node
        for node in graph.leaf_nodes()
        if node[0] != "clients" and tally not in graph.forwards_plan(node)
    ]
    old = migrate(targets)
    Partner = old.get_model("clients", "Partner")
    Client = old.get_model("clients", "Client")
    partner = Partner.objects.create(code="alfa", name="Revenda Alfa")
    now = timezone.now()
    facts = [
        {"expires_on": datetime.date(2027, 1, 31)},
        {"expires_on": datetime.date(2027, 1, 31)},
        {"expires_on": datetime.date(2027, 1, 31), "suspended_at": now},
        {"expires_on": datetime.date(2020, 1, 31), "hidden_at": now},
    ]
    for number, fact in enumerate(facts):
        Client.objects.create(
            partner=partner,
            name=f"Mercado {number}",
            cpf_cnpj=f"1122233300{number:02d}81",
            uf="SP",
            city="São Paulo",
            product="link",
            **fact,
        )

    try:
        new = migrate(latest())
        StatusTally = new.get_model("clients", "StatusTally")
        rows = {
            (row.expires_on, row.hidden_at, row.suspended_at): row.clients
            for row in StatusTally.objects.filter(partner_id=partner.pk)
        }
        assert rows == {
            (datetime.date(2027, 1, 31), None, None): 2,
            (datetime.date(2027, 1, 31), None, True): 1,
            (datetime.date(2020, 1, 31), True, None): 1,
        }
    finally:
        migrate(latest())


def _client_indexes():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "clients_client")
    return {
        name: c["columns"]
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
    }


@pytest.mark.django_db(transaction=True)
def test_clients_0015_drops_the_two_indexes_no_query_uses_and_puts_them_back_when_reversed():
    # The foreign key's own index on partner_id (every other index starts with the partner)
    # and the btree on UPPER(name). (That the status tally's triggers survive — no table
    # rebuild on SQLite — is test_status_tally's test_the_triggers_are_there_….)
    def on_partner_alone():
        return [name for name, columns in _client_indexes().items() if columns == ["partner_id"]]

    assert on_partner_alone() == []
    assert "client_upper_name" not in _client_indexes()
    try:
        migrate([("clients", "0014_check_in_storage")])
        assert len(on_partner_alone()) == 1
        assert "client_upper_name" in _client_indexes()
        migrate(latest())
        assert on_partner_alone() == []
        assert "client_upper_name" not in _client_indexes()
    finally:
        migrate(latest())


def _indexes(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: c["columns"]
        for name, c in constraints.items()
        if c["index"] and not c["unique"] and not c["primary_key"]
    }


def _single_column(table, column):
    return sorted(name for name, columns in _indexes(table).items() if columns == [column])


def _code_like_indexes():
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'clients_registrationcode' "
            "AND indexdef LIKE '%varchar_pattern_ops%'"
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_clients_0018_drops_the_indexes_the_import_paid_for_and_puts_them_back_when_reversed():
    # Prefixes of other indexes (the events' and licenses' client, the partner's names), the
    # actor of every event (now only where set) and the codes' LIKE index (PostgreSQL).
    def state():
        return {
            "event client": _single_column("clients_clientevent", "client_id"),
            "event actor": _single_column("clients_clientevent", "actor_id"),
            "license client": _single_column("clients_license", "client_id"),
            "names": sorted(
                name
                for name in _indexes("clients_client")
                if name.startswith("client_partner_name")
            ),
            "code like": len(_code_like_indexes()),
        }

    assert state() == {
        "event client": [],
        "event actor": ["clientevent_actor"],
        "license client": [],
        "names": ["client_partner_name_cover"],
        "code like": 0,
    }
    assert _indexes("clients_client")["client_partner_name_cover"][:3] == [
        "partner_id",
        "name",
        "id",
    ]
    try:
        migrate([("clients", "0017_drop_upper_name_trigram_index")])
        before = state()
        assert len(before["event client"]) == len(before["license client"]) == 1
        assert len(before["event actor"]) == 1 and before["event actor"] != ["clientevent_actor"]
        # PostgreSQL had the cover already (clients 0003/0009).
        cover = ["client_partner_name_cover"] if connection.vendor == "postgresql" else []
        assert before["names"] == ["client_partner_name", *cover]
        assert before["code like"] == (connection.vendor == "postgresql")
        migrate(latest())
        assert state()["names"] == ["client_partner_name_cover"]
        assert not state()["event client"] and not state()["license client"]
    finally:
        migrate(latest())
