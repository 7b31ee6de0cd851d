"""Importar clientes in the portal (/clientes/importar/): upload CSV or XLSX, a preview of
new, changed and unchanged clients and of every refused line, then a job that imports it all
or nothing through the one import path (`import_clients`, as `manage.py import_clients`)."""

import datetime
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from clients.models import Client, ClientEvent, Origin, Product
from clients.transfer.columns import HEADER as COLUMNS
from jobs.models import Job, State
from partners.models import PartnerUser, Role
from tests.csv_helpers import CNPJ, CPF, HEADER, SP, csv_file, run

START = reverse("clients:import")
ROWS = [
    HEADER,
    f"Padaria Nova;{CPF};padaria@example.com;navi;SP;Campinas;31/12/2027",
    f"Mercado Velho;{CNPJ};mercado@example.com;link;RJ;Niterói;31/12/2027",
]


@pytest.fixture(autouse=True)
def clock():
    """10/12/2027 in São Paulo (ticking): the files' new clients, due 31/12/2027, are within
    the month + Novo cliente gives (the partner's import refuses a later one)."""
    moment = datetime.datetime(2027, 12, 10, 10, tzinfo=SP)
    with time_machine.travel(moment, tick=True):
        yield moment.date()


def upload(client, content: bytes, name="clientes.csv"):
    return client.post(START, {"arquivo": SimpleUploadedFile(name, content)})


def csv_bytes(*lines, encoding="utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def preview(client, content, name="clientes.csv"):
    response = upload(client, content, name)
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response.url)


def confirm(client, page, run_jobs):
    job = page.context["preview"].job
    with run_jobs():
        response = client.post(reverse("clients:import-confirm", args=[job.pk]))
    assert response.url == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    return job, client.get(response.url)


def test_a_file_is_previewed_then_imported_all_at_once(client_a, partner_a, make_client, run_jobs):
    make_client(partner_a, name="Mercado Velho", cpf_cnpj=CNPJ, product=Product.LINK)
    page = preview(client_a, csv_bytes(*ROWS, encoding="latin-1"))
    counts = page.context["preview"]
    assert (counts.rows, counts.created, counts.updated, counts.unchanged, counts.errors) == (
        2,
        1,
        1,
        0,
        0,
    )
    assert "Confirmar a importação" in page.text
    assert not Client.objects.filter(name="Padaria Nova").exists()  # a preview writes nothing
    job, result = confirm(client_a, page, run_jobs)
    assert (job.state, job.done, job.total) == (State.DONE, 2, 2)
    assert "<strong>1</strong> cliente novo, <strong>1</strong> alterado" in result.text
    assert Client.objects.get(cpf_cnpj=CPF).name == "Padaria Nova"
    assert Client.objects.get(cpf_cnpj=CNPJ).city == "Niterói"
    assert set(ClientEvent.objects.values_list("origin", flat=True)) == {Origin.IMPORT}


def test_every_refused_line_is_listed_and_nothing_can_be_imported(client_a, run_jobs):
    page = preview(
        client_a,
        csv_bytes(
            HEADER,
            f"Boa;{CPF};boa@example.com;navi;SP;Campinas;31/12/2027",
            "Sem CPF;;x@example.com;navi;SP;Campinas;31/12/2027",
            f"Produto errado;{CNPJ};y@example.com;caneta;SP;Campinas;31/12/2027",
        ),
    )
    refused = {line.subject_id: line.message for line in page.context["refused"]}
    assert set(refused) == {3, 4}
    assert "Linha 3</strong>:" in page.text and "Linha 4</strong>:" in page.text
    assert "Confirmar a importação" not in page.text
    assert "Corrija as linhas recusadas" in page.text
    job = page.context["preview"].job
    response = client_a.post(reverse("clients:import-confirm", args=[job.pk]), follow=True)
    assert "Corrija as linhas recusadas" in response.text
    assert not Client.objects.exists()
    assert Job.objects.get().state == State.DRAFT


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def test_a_spreadsheet_imports_like_its_csv(client_a, run_jobs):
    """A CPF typed as a number (its leading zero lost) and a real date cell."""
    cpf = "01234567890"
    data = xlsx(
        [
            HEADER.split(";"),
            ["Loja Planilha", int(cpf), "", "Navi", "SP", "Campinas", datetime.date(2027, 12, 31)],
        ]
    )
    page = preview(client_a, data, name="clientes.xlsx")
    assert page.context["preview"].created == 1, page.context["refused"]
    confirm(client_a, page, run_jobs)
    client = Client.objects.get()
    assert (client.cpf_cnpj, client.expires_on) == (cpf, datetime.date(2027, 12, 31))


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("clientes.pdf", b"%PDF-1.4", "Envie um arquivo CSV (.csv) ou uma planilha do Excel"),
        ("clientes.csv", b"", "O arquivo está vazio."),
        ("clientes.csv", b"  \r\n", "O arquivo está vazio."),
        ("clientes.xlsx", b"nao sou zip", "não é uma planilha XLSX legível"),
        ("clientes.csv", b"a;b\r\n1;2\r\n", "O arquivo não pôde ser lido"),
    ],
)
def test_a_bad_file_gets_a_clear_message_and_changes_nothing(client_a, name, content, message):
    response = upload(client_a, content, name)
    assert response.status_code == 400
    assert message in response.text
    assert not Job.objects.exists() and not Client.objects.exists()


def test_a_file_over_the_limit_is_refused(client_a, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(client_a, csv_bytes(*ROWS))
    assert response.status_code == 400
    assert "o limite de uma importação" in response.text
    assert not Job.objects.exists()


def test_a_file_of_another_partners_clients_is_stopped(client_a, partner_b, make_client, run_jobs):
    make_client(partner_b, cpf_cnpj=CPF, product=Product.NAVI)
    page = preview(client_a, csv_bytes(ROWS[0], ROWS[1]))
    assert "já são de outro parceiro: confira se o arquivo é o certo" in page.text
    assert "Confirmar a importação" not in page.text
    job = page.context["preview"].job
    client_a.post(reverse("clients:import-confirm", args=[job.pk]))
    assert Client.objects.count() == 1  # partner B's only


def test_the_template_previews_as_one_new_client(client_a):
    template = client_a.get(reverse("clients:import-template"))
    text = template.content.decode("utf-8-sig")
    header, example = text.splitlines()
    assert header.split(";") == COLUMNS
    page = preview(client_a, template.content, name="modelo.csv")
    assert (page.context["preview"].created, page.context["preview"].errors) == (1, 0)


def test_confirming_twice_while_it_runs_imports_once(client_a, settings, run_jobs):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    first = preview(client_a, csv_bytes(*ROWS))
    second = preview(client_a, csv_bytes(*ROWS))
    with run_jobs():
        client_a.post(reverse("clients:import-confirm", args=[first.context["preview"].job.pk]))
        again = client_a.post(
            reverse("clients:import-confirm", args=[second.context["preview"].job.pk]),
            follow=True,
        )
    assert Job.objects.filter(state=State.QUEUED).count() == 1
    assert "já estava em andamento" in again.text


def test_the_portal_and_the_command_import_the_same(
    client_a, partner_a, partner_b, tmp_path, run_jobs
):
    confirm(client_a, preview(client_a, csv_bytes(*ROWS)), run_jobs)
    run("import_clients", "--partner", partner_b.code, csv_file(tmp_path, *ROWS))
    fields = ["name", "cpf_cnpj", "email", "product", "uf", "city", "expires_on", "renewal"]

    def imported(partner):
        return list(partner.clients.order_by("cpf_cnpj").values(*fields))

    assert imported(partner_a) == imported(partner_b)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR, Role.VIEWER])
def test_administrador_and_operador_import_and_consulta_does_not(
    client, partner_a, partner_a_user, role
):
    PartnerUser.objects.filter(user=partner_a_user).update(role=role)
    client.force_login(partner_a_user)
    may = role != Role.VIEWER
    assert ("Importar clientes" in client.get(reverse("clients:list")).text) is may
    assert (client.get(START).status_code == 200) is may
    response = upload(client, csv_bytes(*ROWS))
    assert (response.status_code == 302) is may
    assert Job.objects.exists() is may
