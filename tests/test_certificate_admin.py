"""The certificates in the Django admin: the public facts, never the file or the password."""

from django.urls import reverse

from clients.certificates import client_certificate_upload
from clients.models import Certificate
from tests.pkcs12 import CERTIFICATE_PASSWORD, make_pfx, upload


def stored_certificate(partner, user, make_client):
    navi = make_client(partner, name="Mercado Bom Preço")
    return client_certificate_upload(
        client=navi, file=upload(make_pfx(navi.cpf_cnpj)), password=CERTIFICATE_PASSWORD, by=user
    )


def test_the_list_shows_holder_cnpj_and_validity(
    admin_client_, partner_a, partner_a_user, make_client
):
    certificate = stored_certificate(partner_a, partner_a_user, make_client)
    page = admin_client_.get(reverse("admin:clients_certificate_changelist")).text
    assert "MERCADO BOM PRECO LTDA" in page
    assert certificate.cnpj_display in page
    assert "Mercado Bom Preço" in page


def test_the_detail_shows_the_facts_and_hides_the_secrets(
    admin_client_, partner_a, partner_a_user, make_client
):
    certificate = stored_certificate(partner_a, partner_a_user, make_client)
    response = admin_client_.get(reverse("admin:clients_certificate_change", args=[certificate.pk]))
    assert response.status_code == 200
    page = response.text
    assert "MERCADO BOM PRECO LTDA" in page and certificate.fingerprint in page
    assert "criptografad" not in page
    assert certificate.encrypted_file not in page
    assert certificate.encrypted_password not in page
    assert CERTIFICATE_PASSWORD not in page


def test_the_admin_cannot_add_or_change_certificates(
    admin_client_, partner_a, partner_a_user, make_client
):
    certificate = stored_certificate(partner_a, partner_a_user, make_client)
    assert admin_client_.get(reverse("admin:clients_certificate_add")).status_code == 403
    change = reverse("admin:clients_certificate_change", args=[certificate.pk])
    admin_client_.post(change, {"holder": "OUTRO"})
    assert Certificate.objects.get().holder == "MERCADO BOM PRECO LTDA"
