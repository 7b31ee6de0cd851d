"""manage.py export_clients: the import's columns, streamed, filtered by status; an export
re-imports to the same state.
"""

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError

from clients.domain.documents import cpf_from_base
from clients.domain.status import Status
from clients.models import Client, License, Module, Product, RegistrationCode, Renewal
from clients.transfer.exporting import export_rows
from tests.csv_helpers import CNPJ_ALNUM, NOW, TODAY, run

HEADER = (
    "nome;cpf_cnpj;email;produto;uf;cidade;vencimento;data_cadastro;renovacao;licencas;"
    "suspenso;pendente;motivo_pendencia;oculto;pesagem_automatica;monitor_cozinha;"
    "link_balanco_estoque"
)


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def clients_in_every_state(partner_a, make_client):
    """One client per status, plus the awkward cases: CPF, alphanumeric CNPJ, no e-mail,
    a scheduled license reduction, a name with the delimiter and quotes in it, a Link client
    with the auxiliary modules (one of them reduced from today).
    """
    made = {
        Status.ACTIVE: make_client(
            partner_a,
            name='Bar "do Zé"; filial',
            cpf_cnpj=cpf_from_base("529982247"),
            product=Product.LINK,
            renewal=Renewal.BILLING,
            expires_on=TODAY + dt.timedelta(days=40),
            registered_on=dt.date(2023, 2, 28),
            licenses=3,
        ),
        Status.SUSPENDED: make_client(partner_a, suspended_at=NOW, email=""),
        Status.EXPIRED: make_client(partner_a, expires_on=dt.date(2026, 11, 5)),
        Status.INACTIVE: make_client(
            partner_a, expires_on=dt.date(2026, 8, 31), uf="RJ", city="Niterói"
        ),
        Status.PENDING: make_client(
            partner_a, cpf_cnpj=CNPJ_ALNUM, pending_since=NOW, pending_reason="CNPJ repetido"
        ),
        Status.HIDDEN: make_client(partner_a, expires_on=dt.date(2025, 1, 31), hidden_at=NOW),
    }
    reduced = made[Status.SUSPENDED].licenses.get(module=Module.MAIN)
    reduced.quantity, reduced.scheduled_quantity, reduced.scheduled_from = 5, 2, TODAY
    reduced.save()  # the reduction is in force today: the export says 2
    link = made[Status.ACTIVE]
    License.objects.create(client=link, module=Module.AUTOMATIC_WEIGHING, quantity=2)
    License.objects.create(
        client=link,
        module=Module.KITCHEN_MONITOR,
        quantity=4,
        scheduled_quantity=3,
        scheduled_from=TODAY,
    )
    License.objects.create(client=link, module=Module.STOCK_COUNT, quantity=1)
    return made


def in_force(client) -> dict:
    """The client's license counts in force today, by module (none at 0)."""
    counts = {lic.module: lic.current_quantity() for lic in client.licenses.all()}
    return {module: count for module, count in counts.items() if count}


def test_it_writes_the_import_columns_with_a_bom_for_excel(tmp_path, clients_in_every_state):
    path = tmp_path / "clientes.csv"
    _, err = run("export_clients", "--partner", "alfa", path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + 6
    assert '"Bar ""do Zé""; filial";529.982.247-25;' in lines[1]
    assert lines[1].endswith(
        ";link;SP;São Paulo;30/12/2026;28/02/2023;cobranca;3;não;não;;não;2;3;sim"
    )
    assert lines[2].endswith(";sim;não;;não;0;0;não")  # a Navi client: no module
    assert err == "6 cliente(s) exportado(s).\n"


def test_without_a_file_it_writes_to_stdout(clients_in_every_state):
    out, _ = run("export_clients", "--partner", "alfa", "--delimiter", ",")
    assert out.splitlines()[0] == HEADER.replace(";", ",")
    assert len(out.splitlines()) == 7
    assert out.endswith("\r\n")


def test_status_may_be_given_several_times(clients_in_every_state):
    out, _ = run(
        "export_clients", "--partner", "alfa", "--status", "pendente", "--status", "oculto"
    )
    rows = out.splitlines()[1:]
    assert len(rows) == 2
    assert ";sim;CNPJ repetido;não;" in rows[0]  # pendente, with its reason
    assert rows[1].endswith(";não;não;;sim;0;0;não")  # oculto


def test_an_unknown_status_or_partner_is_refused(clients_in_every_state):
    with pytest.raises(CommandError, match="invalid choice: 'vencido'"):
        run("export_clients", "--partner", "alfa", "--status", "vencido")
    with pytest.raises(CommandError, match="Parceiro “gama” não encontrado"):
        run("export_clients", "--partner", "gama")


def test_only_the_partners_own_clients_are_exported(partner_b, make_client, clients_in_every_state):
    make_client(partner_b, name="Cliente da Beta")
    out, _ = run("export_clients", "--partner", "alfa")
    assert "Cliente da Beta" not in out


def test_rows_are_streamed_in_one_query(
    clients_in_every_state, partner_a, django_assert_num_queries
):
    chunks = export_rows(partner_a)
    with django_assert_num_queries(1):  # clients with their licenses (joined), in chunks
        assert sum(len(chunk) for chunk in chunks) == 6


def test_an_export_reimports_to_the_same_state(
    tmp_path, partner_a, partner_b, clients_in_every_state
):
    for original in clients_in_every_state.values():  # kept before the clients are deleted
        original.in_force = in_force(original)
    exported = tmp_path / "alfa.csv"
    run("export_clients", "--partner", "alfa", exported)

    # Into the same partner: nothing to do.
    out, _ = run("import_clients", "--partner", "alfa", exported)
    assert "criados: 0, atualizados: 0, sem mudança: 6" in out

    # Into the partner emptied of them (as after moving systems): the same clients, exported
    # identically. (Into another partner they would be Pendente: duplicates to review.)
    Client.objects.filter(partner=partner_a).delete()
    out, _ = run("import_clients", "--partner", "alfa", exported)
    assert "criados: 6, atualizados: 0, sem mudança: 0" in out
    again = tmp_path / "again.csv"
    run("export_clients", "--partner", "alfa", again)
    assert again.read_bytes() == exported.read_bytes()

    copied = {c.cpf_cnpj: c for c in Client.objects.filter(partner=partner_a)}
    for original in clients_in_every_state.values():
        copy = copied[original.cpf_cnpj]
        assert copy.status == original.status
        assert copy.pending_reason == original.pending_reason
        assert in_force(copy) == original.in_force
    # Link clients brought in by the import get their registration code, as new ones do.
    links = [client for client in copied.values() if client.is_link]
    assert RegistrationCode.objects.filter(client__partner=partner_a).count() == len(links)
