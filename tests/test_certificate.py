"""The Certificado digital action: /clientes/<pk>/certificado/ and client_certificate_upload."""

import datetime
import json
import logging
import threading
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clients.certificates import MAX_FILE_SIZE, certificate_secrets, client_certificate_upload
from clients.domain.actions import ACTION_TABLE, Action
from clients.domain.documents import cnpj_from_base
from clients.domain.status import Status, client_status
from clients.models import Certificate, ClientEvent, Product
from clients.services import ActionNotAllowed
from tests.conftest import PASSWORD
from tests.pkcs12 import CERTIFICATE_PASSWORD, make_pfx, upload

SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")
NOW = datetime.datetime.now(datetime.UTC)


def url(client):
    return reverse("clients:certificado", args=[client.pk])


def post(http, client, data: bytes, password=CERTIFICATE_PASSWORD, **headers):
    return http.post(url(client), {"file": upload(data), "password": password}, headers=headers)


@pytest.fixture
def navi(partner_a, make_client):
    return make_client(partner_a, name="Mercado Bom Preço", product=Product.NAVI)


@pytest.fixture
def pfx(navi):
    return make_pfx(navi.cpf_cnpj, valid_until=NOW + datetime.timedelta(days=200))


def test_the_get_shows_the_form_and_no_certificate_yet(client_a, navi):
    response = client_a.get(url(navi))
    assert response.status_code == 200
    page = response.text
    assert "Certificado digital" in page and "Mercado Bom Preço" in page
    assert "Nenhum certificado enviado para este cliente." in page
    assert 'enctype="multipart/form-data"' in page
    assert "Arquivo do certificado A1" in page and "Senha do certificado" in page


def test_it_uploads_a_certificate_and_shows_its_data(client_a, navi, pfx):
    response = post(client_a, navi, pfx)
    assert response.status_code == 302 and response.url == url(navi)

    certificate = Certificate.objects.get(client=navi)
    assert certificate.holder == "MERCADO BOM PRECO LTDA"
    assert certificate.cnpj == navi.cpf_cnpj
    assert certificate.file_name == "certificado.pfx"
    assert certificate.uploaded_by.username == "ana"

    page = client_a.get(url(navi)).text
    assert "Certificado digital salvo." in page
    assert "MERCADO BOM PRECO LTDA" in page
    assert navi.cpf_cnpj_display in page
    until = timezone.localtime(certificate.valid_until)
    assert f"{until:%d/%m/%Y %H:%M}" in page
    assert f"{timezone.localtime(certificate.valid_from):%d/%m/%Y %H:%M}" in page
    assert (
        '<dt class="col-sm-5">Dias restantes</dt>\n            <dd class="col-sm-7">200</dd>'
        in page
    )
    assert "alert-warning" not in page


def test_it_warns_when_fewer_than_30_days_are_left(client_a, navi):
    post(client_a, navi, make_pfx(navi.cpf_cnpj, valid_until=NOW + datetime.timedelta(days=29)))
    page = client_a.get(url(navi)).text
    assert "Faltam 29 dias para o certificado vencer" in page


def test_it_does_not_warn_with_30_days_left(client_a, navi):
    post(client_a, navi, make_pfx(navi.cpf_cnpj, valid_until=NOW + datetime.timedelta(days=30)))
    page = client_a.get(url(navi)).text
    assert "para o certificado vencer" not in page


def test_a_stored_certificate_that_expired_is_shown_as_expired(client_a, navi, pfx):
    post(client_a, navi, pfx)
    Certificate.objects.filter(client=navi).update(valid_until=NOW - datetime.timedelta(days=2))
    page = client_a.get(url(navi)).text
    assert "O certificado venceu em" in page and "vencido" in page


def test_it_records_an_event_with_the_certificates_facts(client_a, navi, pfx):
    post(client_a, navi, pfx)
    event = ClientEvent.objects.get(client=navi)
    assert event.action == "certificado"
    assert event.actor.username == "ana"
    assert event.before == {}
    assert event.after["holder"] == "MERCADO BOM PRECO LTDA"
    assert event.after["cnpj"] == navi.cpf_cnpj
    assert event.after["valid_until"] == Certificate.objects.get().valid_until.isoformat()
    assert event.note == "Certificado enviado."


def test_a_new_upload_replaces_the_certificate(client_a, navi, pfx):
    post(client_a, navi, pfx)
    first = Certificate.objects.get(client=navi)
    newer = make_pfx(navi.cpf_cnpj, valid_until=NOW + datetime.timedelta(days=400))
    post(client_a, navi, newer, password=CERTIFICATE_PASSWORD)

    second = Certificate.objects.get(client=navi)
    assert second.pk == first.pk and second.serial_number != first.serial_number
    assert certificate_secrets(second)[0] == newer
    event = ClientEvent.objects.filter(client=navi).first()  # newest first
    assert event.note == "Certificado substituído."
    assert event.before["serial_number"] == first.serial_number
    assert event.after["serial_number"] == second.serial_number


def test_a_suspended_navi_client_may_upload(client_a, partner_a, make_client):
    suspended = make_client(partner_a, suspended_at=timezone.now())
    assert client_status(suspended) == Status.SUSPENDED
    assert post(client_a, suspended, make_pfx(suspended.cpf_cnpj)).status_code == 302
    assert Certificate.objects.filter(client=suspended).exists()


# Each refusal re-renders the form with its message; nothing is stored, no event is written.
REFUSALS = {
    "wrong_password": (
        lambda cnpj: make_pfx(cnpj),
        "outra-senha",
        "Senha incorreta para este certificado.",
    ),
    "not_pkcs12": (
        lambda cnpj: b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        CERTIFICATE_PASSWORD,
        "O arquivo não é um certificado A1 (PKCS#12, .pfx ou .p12).",
    ),
    "no_private_key": (
        lambda cnpj: make_pfx(cnpj, with_key=False),
        CERTIFICATE_PASSWORD,
        "O arquivo não contém a chave privada: exporte o certificado A1 com a chave privada.",
    ),
    "expired": (
        lambda cnpj: make_pfx(
            cnpj,
            valid_from=datetime.datetime(2024, 3, 1, 12, tzinfo=datetime.UTC),
            valid_until=datetime.datetime(2025, 3, 1, 12, tzinfo=datetime.UTC),
        ),
        CERTIFICATE_PASSWORD,
        "O certificado venceu em 01/03/2025: envie um certificado válido.",
    ),
    "wrong_cnpj": (
        lambda cnpj: make_pfx(cnpj_from_base("445556660001")),
        CERTIFICATE_PASSWORD,
        "O certificado é do CNPJ 44.555.666/0001-81, não do cliente (CNPJ ",
    ),
    "no_cnpj": (
        lambda cnpj: make_pfx(None, holder="FULANO DE TAL"),
        CERTIFICATE_PASSWORD,
        "O certificado não informa um CNPJ: envie o e-CNPJ (A1) do cliente.",
    ),
    "too_large": (
        lambda cnpj: b"0" * (MAX_FILE_SIZE + 1),
        CERTIFICATE_PASSWORD,
        "O arquivo passa do limite de 1 MB: um certificado A1 tem poucos kB.",
    ),
}


@pytest.mark.parametrize("reason", REFUSALS)
def test_it_refuses_a_certificate_it_cannot_use(client_a, navi, reason):
    make_data, password, message = REFUSALS[reason]
    response = post(client_a, navi, make_data(navi.cpf_cnpj), password=password)
    assert response.status_code == 200
    assert message in response.text
    assert "is-invalid" in response.text
    assert not Certificate.objects.exists()
    assert not ClientEvent.objects.exists()


def test_a_wrong_password_is_shown_at_the_password_field(client_a, navi, pfx):
    response = post(client_a, navi, pfx, password="outra-senha")
    assert response.context["form"].errors == {
        "password": ["Senha incorreta para este certificado."]
    }
    assert "outra-senha" not in response.text


def test_a_refusal_keeps_the_certificate_already_stored(client_a, navi, pfx):
    post(client_a, navi, pfx)
    before = Certificate.objects.get(client=navi).serial_number
    post(client_a, navi, make_pfx(navi.cpf_cnpj), password="outra-senha")
    assert Certificate.objects.get(client=navi).serial_number == before
    assert ClientEvent.objects.filter(client=navi).count() == 1


def test_it_requires_the_file_and_the_password(client_a, navi):
    response = client_a.post(url(navi), {})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "file": ["Este campo é obrigatório."],
        "password": ["Este campo é obrigatório."],
    }


def test_a_password_with_spaces_is_kept_as_typed(client_a, navi):
    password = "  com espaços  "
    post(client_a, navi, make_pfx(navi.cpf_cnpj, password=password), password=password)
    assert certificate_secrets(Certificate.objects.get(client=navi))[1] == password


def test_it_stores_the_file_and_password_encrypted(client_a, navi, pfx):
    post(client_a, navi, pfx)
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_file, encrypted_password FROM clients_certificate")
        stored_file, stored_password = cursor.fetchone()
    assert stored_file.encode() != pfx and pfx not in stored_file.encode()
    assert CERTIFICATE_PASSWORD not in stored_password
    assert certificate_secrets(Certificate.objects.get()) == (pfx, CERTIFICATE_PASSWORD)


def test_the_password_stays_out_of_events_logs_and_pages(client_a, navi, pfx, caplog):
    caplog.set_level(logging.DEBUG)
    post(client_a, navi, make_pfx(navi.cpf_cnpj), password="tentativa-errada-1")
    post(client_a, navi, make_pfx(cnpj_from_base("445556660001")))
    response = post(client_a, navi, pfx)
    page = client_a.get(response.url).text

    certificate = Certificate.objects.get()
    secrets = [
        "tentativa-errada-1",
        CERTIFICATE_PASSWORD,
        certificate.encrypted_file,
        certificate.encrypted_password,
    ]
    history = json.dumps([[e.before, e.after, e.note] for e in ClientEvent.objects.all()])
    logged = caplog.text + "".join(str(record.args) for record in caplog.records)
    assert "certificate stored" in caplog.text and "reason=wrong_password" in caplog.text
    for secret in secrets:
        assert secret not in history
        assert secret not in logged
        assert secret not in page


def test_another_partners_client_is_a_404(client_a, partner_b, make_client):
    theirs = make_client(partner_b)
    assert client_a.get(url(theirs)).status_code == 404
    response = post(client_a, theirs, make_pfx(theirs.cpf_cnpj))
    assert response.status_code == 404
    assert not Certificate.objects.exists() and not ClientEvent.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client, navi):
    response = client.get(url(navi))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_answers_other_methods_with_405(client_a, navi, method):
    assert getattr(client_a, method)(url(navi)).status_code == 405


# Statuses the certificate is not allowed in, straight from the actions table.
ALLOWED = {status for action, status, *_ in ACTION_TABLE if action == Action.CERTIFICATE}
REFUSED_STATUSES = [status for status in Status if status not in ALLOWED]
MID_MONTH = datetime.datetime(2026, 5, 15, 12, tzinfo=SAO_PAULO)
FACTS = {
    # A client of each status on MID_MONTH (docs/domain.md).
    Status.ACTIVE: {"expires_on": datetime.date(2026, 6, 15)},
    Status.SUSPENDED: {"expires_on": datetime.date(2026, 6, 15), "suspended_at": MID_MONTH},
    Status.EXPIRED: {"expires_on": datetime.date(2026, 5, 10)},
    Status.INACTIVE: {"expires_on": datetime.date(2026, 4, 30)},
    Status.PENDING: {"expires_on": datetime.date(2026, 6, 15), "pending_since": MID_MONTH},
    Status.HIDDEN: {"expires_on": datetime.date(2026, 4, 30), "hidden_at": MID_MONTH},
}


@pytest.fixture
def mid_month():
    with time_machine.travel(MID_MONTH, tick=False):
        yield


def refused_clients(partner, make_client):
    """(label, client) for each Navi status that refuses, and an Ativo Link client."""
    cases = [
        (status.label, make_client(partner, product=Product.NAVI, **FACTS[status]))
        for status in REFUSED_STATUSES
    ]
    cases.append(("Link", make_client(partner, product=Product.LINK, **FACTS[Status.ACTIVE])))
    return cases


def test_the_refused_statuses_come_from_the_table():
    assert {Status.ACTIVE, Status.SUSPENDED} == ALLOWED
    assert Status.INACTIVE in REFUSED_STATUSES and Status.EXPIRED in REFUSED_STATUSES


def test_a_client_in_another_status_or_product_is_refused(
    mid_month, client_a, partner_a, make_client
):
    for label, refused in refused_clients(partner_a, make_client):
        response = post(client_a, refused, make_pfx(refused.cpf_cnpj))
        assert response.status_code == 302, label
        assert response.url == reverse("clients:list")
        page = client_a.get(response.url).text
        assert "Certificado digital não está disponível para este cliente (" in page, label
        assert client_a.get(url(refused)).status_code == 302, label
    assert not Certificate.objects.exists()
    assert not ClientEvent.objects.exists()


def test_an_inactive_client_is_refused_with_409_to_htmx_and_fetch(
    mid_month, client_a, partner_a, make_client
):
    inactive = make_client(partner_a, **FACTS[Status.INACTIVE])
    for headers in ({"HX-Request": "true"}, {"Sec-Fetch-Mode": "cors"}):
        response = post(client_a, inactive, make_pfx(inactive.cpf_cnpj), **headers)
        assert response.status_code == 409
        assert response.text == (
            "Certificado digital não está disponível para este cliente (Navi, Inativo)."
        )
    assert not Certificate.objects.exists()
    assert not ClientEvent.objects.exists()


def test_the_service_refuses_a_link_client(partner_a, partner_a_user, make_client):
    link = make_client(partner_a, product=Product.LINK)
    with pytest.raises(ActionNotAllowed) as caught:
        client_certificate_upload(
            client=link,
            file=upload(make_pfx(link.cpf_cnpj)),
            password=CERTIFICATE_PASSWORD,
            by=partner_a_user,
        )
    assert caught.value.message == (
        "Certificado digital não está disponível para este cliente (Link, Ativo)."
    )
    assert not Certificate.objects.exists() and not ClientEvent.objects.exists()


def test_the_service_rechecks_the_status_on_the_locked_row(partner_a, partner_a_user, navi):
    # The caller's copy still says Ativo; the row itself expired long ago (Inativo).
    type(navi).objects.filter(pk=navi.pk).update(expires_on=datetime.date(2020, 1, 31))
    with pytest.raises(ActionNotAllowed):
        client_certificate_upload(
            client=navi,
            file=upload(make_pfx(navi.cpf_cnpj)),
            password=CERTIFICATE_PASSWORD,
            by=partner_a_user,
        )
    assert not Certificate.objects.exists() and not ClientEvent.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_uploads_at_once_are_applied_one_after_the_other(partner_a, partner_a_user, navi):
    files = [make_pfx(navi.cpf_cnpj) for _ in range(2)]
    barrier = threading.Barrier(2)
    errors = []

    def upload_in_its_own_connection(data):
        try:
            barrier.wait()
            client_certificate_upload(
                client=navi, file=upload(data), password=CERTIFICATE_PASSWORD, by=partner_a_user
            )
        except Exception as error:  # noqa: BLE001 -- reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload_in_its_own_connection, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    first, second = ClientEvent.objects.filter(client=navi).order_by("at", "id")
    assert first.before == {}
    assert second.before["serial_number"] == first.after["serial_number"]
    assert Certificate.objects.get().serial_number == second.after["serial_number"]


@pytest.mark.browser
def test_a_partner_uploads_a_certificate_in_the_browser(
    live_server, page, navi, partner_a_user, screenshot_dir, tmp_path
):
    pfx_path = tmp_path / "mercado-bom-preco.pfx"
    pfx_path.write_bytes(make_pfx(navi.cpf_cnpj, valid_until=NOW + datetime.timedelta(days=20)))
    page.goto(live_server.url + reverse("login") + "?next=" + reverse("clients:list"))
    page.get_by_label("Usuário").fill("ana")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"**{reverse('clients:list')}**")

    page.goto(live_server.url + url(navi))
    page.get_by_label("Arquivo do certificado A1").set_input_files(pfx_path)
    page.get_by_label("Senha do certificado").fill("senha-errada")
    page.get_by_role("button", name="Enviar certificado").click()
    assert page.get_by_text("Senha incorreta para este certificado.").is_visible()
    page.screenshot(path=f"{screenshot_dir}/certificate-wrong-password.png", full_page=True)

    page.get_by_label("Arquivo do certificado A1").set_input_files(pfx_path)
    page.get_by_label("Senha do certificado").fill(CERTIFICATE_PASSWORD)
    page.get_by_role("button", name="Enviar certificado").click()

    assert page.get_by_text("Certificado digital salvo.").is_visible()
    assert page.get_by_text("MERCADO BOM PRECO LTDA").is_visible()
    until = timezone.localtime(Certificate.objects.get(client=navi).valid_until)
    assert page.get_by_text(f"{until:%d/%m/%Y %H:%M}").is_visible()
    assert page.get_by_text("Faltam 20 dias para o certificado vencer").is_visible()
    assert page.get_by_role("heading", name="Substituir certificado").is_visible()
    page.screenshot(path=f"{screenshot_dir}/certificate-upload.png", full_page=True)
