"""The partner's own import (Importar clientes) does nothing that costs credit elsewhere: no
later vencimento for an existing client (Renovar's), no count above the one in force (Editar's
increase), no new client due later than + Novo cliente's month. Refused per row in the preview
and again when the job writes; the vendor's staff's `manage.py import_clients` keeps setting
them (its own data migration)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clients.models import Client, ClientEvent, CreditEntry, License, Module, Product, Renewal
from clients.services.credit import balance, credit_add
from clients.transfer.importing.limits import LATER, MORE
from jobs.models import State
from partners.models import PartnerUser, Role
from tests.csv_helpers import CNPJ, CPF, NOW, csv_file, run
from tests.test_import_portal import confirm, csv_bytes, preview

HEADER = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento;renovacao;licencas;pesagem_automatica"
STORED_UNTIL = datetime.date(2026, 12, 10)  # the stored client's vencimento (today: 20/11/2026)
NEW_CLIENT_LIMIT = "Um cliente novo vence em no máximo 20/12/2026, como no + Novo cliente."


def row(vencimento="10/12/2026", licencas="5", pesagem="2", renovacao="manual", name="Loja"):
    cells = [name, CNPJ, "loja@example.com", "link", "SP", "Campinas", vencimento]
    return ";".join([*cells, renovacao, licencas, pesagem])


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=True):
        yield NOW.date()


@pytest.fixture
def operador(client_a, partner_a_user):
    """The exploit's role: an Operador of partner A, signed in."""
    PartnerUser.objects.filter(user=partner_a_user).update(role=Role.OPERATOR)
    return client_a


@pytest.fixture
def stored(partner_a, make_client):
    """A Renovação manual Link client due 10/12/2026: 5 licenses, 2 of Pesagem Automática;
    partner A holds R$ 400,00 of credit."""
    client = make_client(
        partner_a,
        name="Loja",
        cpf_cnpj=CNPJ,
        product=Product.LINK,
        expires_on=STORED_UNTIL,
        renewal=Renewal.MANUAL,
        licenses=5,
    )
    License.objects.create(client=client, module=Module.AUTOMATIC_WEIGHING, quantity=2)
    credit_add(partner=partner_a, amount=400_00, by=None)
    return client


def counts(client) -> dict:
    return {lic.module: lic.quantity for lic in client.licenses.all()}


def assert_untouched(client, partner):
    fresh = Client.objects.get(pk=client.pk)
    assert (fresh.expires_on, fresh.version) == (client.expires_on, client.version)
    assert counts(fresh) == {Module.MAIN: 5, Module.AUTOMATIC_WEIGHING: 2}
    assert not ClientEvent.objects.exists()
    assert balance(partner) == 400_00
    assert CreditEntry.objects.count() == 1  # the credit added, nothing spent


@pytest.mark.parametrize(
    "line,renewal,messages",
    [
        pytest.param(
            row(vencimento="31/12/2030"),
            Renewal.MANUAL,
            [f"vencimento: 31/12/2030 é depois do vencimento atual, 10/12/2026. {LATER}"],
            id="later-vencimento",
        ),
        pytest.param(
            row(licencas="9"),
            Renewal.MANUAL,
            [f"licencas: 9 é mais que os 5 em vigor hoje. {MORE}"],
            id="more-licenses",
        ),
        pytest.param(
            row(pesagem="3"),
            Renewal.MANUAL,
            [f"pesagem_automatica: 3 é mais que os 2 em vigor hoje. {MORE}"],
            id="more-of-a-module",
        ),
        pytest.param(
            row(vencimento="31/12/2030", licencas="9"),
            Renewal.MANUAL,
            [
                f"vencimento: 31/12/2030 é depois do vencimento atual, 10/12/2026. {LATER}",
                f"licencas: 9 é mais que os 5 em vigor hoje. {MORE}",
            ],
            id="the-reported-exploit",
        ),
        pytest.param(
            row(vencimento="10/01/2027", renovacao="cobranca"),
            Renewal.BILLING,
            [f"vencimento: 10/01/2027 é depois do vencimento atual, 10/12/2026. {LATER}"],
            id="gestao-de-cobrancas-later-vencimento",
        ),
    ],
)
def test_the_portal_refuses_a_row_that_costs_credit_elsewhere(
    operador, partner_a, stored, line, renewal, messages
):
    Client.objects.filter(pk=stored.pk).update(renewal=renewal)
    stored.refresh_from_db()
    page = preview(operador, csv_bytes(HEADER, line))
    assert page.context["preview"].errors == 1
    assert [(r.subject_id, r.message) for r in page.context["refused"]] == [
        (2, message) for message in messages
    ]
    assert "Confirmar a importação" not in page.text
    job = page.context["preview"].job
    operador.post(reverse("clients:import-confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == State.DRAFT
    assert_untouched(stored, partner_a)


def test_the_staff_command_still_sets_them(partner_a, stored, tmp_path):
    line = row(vencimento="31/12/2030", licencas="9", pesagem="3")
    run("import_clients", "--partner", partner_a.code, csv_file(tmp_path, HEADER, line))
    stored.refresh_from_db()
    assert stored.expires_on == datetime.date(2030, 12, 31)
    assert counts(stored) == {Module.MAIN: 9, Module.AUTOMATIC_WEIGHING: 3}
    assert balance(partner_a) == 400_00  # the vendor's own data: no charge


def test_a_new_client_is_due_at_most_a_month_from_today(operador, partner_a, run_jobs):
    late = f"Nova;{CPF};nova@example.com;navi;SP;Campinas;21/12/2026;manual;3;"
    page = preview(operador, csv_bytes(HEADER, late))
    assert [r.message for r in page.context["refused"]] == [
        f"vencimento: 21/12/2026 é depois de 20/12/2026. {NEW_CLIENT_LIMIT}"
    ]
    assert not Client.objects.exists()

    page = preview(operador, csv_bytes(HEADER, late.replace("21/12/2026", "20/12/2026")))
    assert (page.context["preview"].created, page.context["preview"].errors) == (1, 0)
    job, _ = confirm(operador, page, run_jobs)
    assert job.state == State.DONE
    client = Client.objects.get()
    assert (client.expires_on, counts(client)) == (datetime.date(2026, 12, 20), {Module.MAIN: 3})


def test_the_staff_command_creates_a_client_due_later(partner_a, tmp_path):
    line = f"Nova;{CPF};nova@example.com;navi;SP;Campinas;31/12/2030;manual;3;"
    run("import_clients", "--partner", partner_a.code, csv_file(tmp_path, HEADER, line))
    assert Client.objects.get().expires_on == datetime.date(2030, 12, 31)


def test_a_reduction_an_earlier_vencimento_and_another_method_are_imported(
    operador, partner_a, stored, run_jobs
):
    line = row(vencimento="05/12/2026", licencas="3", pesagem="0", renovacao="cobranca")
    page = preview(operador, csv_bytes(HEADER, line))
    assert (page.context["preview"].updated, page.context["preview"].errors) == (1, 0)
    job, _ = confirm(operador, page, run_jobs)
    assert job.state == State.DONE
    stored.refresh_from_db()
    assert (stored.expires_on, stored.renewal) == (datetime.date(2026, 12, 5), Renewal.BILLING)
    next_month = datetime.date(2026, 12, 1)
    scheduled = {
        lic.module: (lic.quantity, lic.scheduled_quantity, lic.scheduled_from)
        for lic in stored.licenses.all()
    }
    assert scheduled == {
        Module.MAIN: (5, 3, next_month),  # in force until the 1st of next month
        Module.AUTOMATIC_WEIGHING: (2, 0, next_month),
    }
    event = ClientEvent.objects.get()
    assert event.after["licenses"][Module.MAIN] == {
        "quantity": 5,
        "scheduled_quantity": 3,
        "scheduled_from": "2026-12-01",
    }
    assert balance(partner_a) == 400_00 and CreditEntry.objects.count() == 1
    # The same file again changes nothing: the reductions are already scheduled.
    again = preview(operador, csv_bytes(HEADER, line))
    assert (again.context["preview"].unchanged, again.context["preview"].updated) == (1, 0)
    # Nor does the count in force (an export's): the import never cancels a reduction.
    exported = row(vencimento="05/12/2026", renovacao="cobranca")
    page = preview(operador, csv_bytes(HEADER, exported))
    assert page.context["preview"].unchanged == 1


def test_the_job_checks_the_rows_again_when_it_writes(operador, partner_a, stored, run_jobs):
    """Previewed when the vencimento in the file was the stored one; moved earlier before the
    job ran (by another import or the vendor's staff): the file's is now a later one."""
    page = preview(operador, csv_bytes(HEADER, row(name="Loja Renomeada")))
    assert (page.context["preview"].updated, page.context["preview"].errors) == (1, 0)
    Client.objects.filter(pk=stored.pk).update(expires_on=datetime.date(2026, 12, 1))
    stored.refresh_from_db()
    job, result = confirm(operador, page, run_jobs)
    assert job.state == State.FAILED
    assert (
        "1 linha(s) deixaram de ser válidas desde a prévia (os clientes mudaram): nada foi "
        "gravado. Envie o arquivo de novo. linha 2: vencimento: 10/12/2026 é depois do "
        f"vencimento atual, 01/12/2026. {LATER}"
    ) in job.error
    assert Client.objects.get(pk=stored.pk).name == "Loja"
    assert_untouched(stored, partner_a)
