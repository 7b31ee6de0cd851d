"""What each role sees: the pages draw only what the role may do (the server refuses the rest:
tests/test_isolation.py walks every URL for every role)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from clients.domain.status import Status
from partners.models import Role


@pytest.fixture
def signed_in_as(client, partner_a, make_member):
    def sign_in(role):
        client.force_login(make_member(partner_a, f"membro-{role}", role=role))
        return client

    return sign_in


def test_consulta_sees_the_list_without_novo_cliente_nor_actions(
    signed_in_as, partner_a, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Mercado Consultado")
    page = signed_in_as(Role.VIEWER).get(reverse("clients:list")).text
    assert "Mercado Consultado" in page
    assert reverse("clients:new") not in page
    assert reverse("clients:confirm", args=[shop.pk, "suspender"]) not in page
    assert reverse("clients:editar", args=[shop.pk]) not in page
    assert reverse("clients:history", args=[shop.pk]) in page  # Histórico stays
    assert reverse("accounts:team") not in page


def test_consulta_exports_the_list(signed_in_as, partner_a, make_client):
    make_client(partner_a, name="Exportado")
    response = signed_in_as(Role.VIEWER).get(reverse("clients:list") + "?_export=csv")
    assert response.status_code == 200
    assert "Exportado" in b"".join(response.streaming_content).decode()


def test_operador_sees_every_action_but_not_the_team(signed_in_as, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.ACTIVE, product="navi")
    page = signed_in_as(Role.OPERATOR).get(reverse("clients:list")).text
    assert reverse("clients:new") in page
    assert reverse("clients:confirm", args=[shop.pk, "suspender"]) in page
    assert reverse("clients:certificado", args=[shop.pk]) in page
    assert reverse("accounts:team") not in page


def test_administrador_sees_the_team(signed_in_as):
    page = signed_in_as(Role.ADMIN).get(reverse("clients:list")).text
    assert reverse("accounts:team") in page


def test_a_forbidden_post_is_a_portuguese_403_that_changes_nothing(
    signed_in_as, partner_a, make_client_in
):
    shop = make_client_in(partner_a, Status.ACTIVE)
    response = signed_in_as(Role.VIEWER).post(reverse("clients:suspender", args=[shop.pk]))
    assert response.status_code == 403
    assert "Acesso negado" in response.text and "O perfil Consulta não permite" in response.text
    assert "Nada foi alterado." in response.text
    shop.refresh_from_db()
    assert shop.suspended_at is None and not shop.events.exists()


def test_a_partner_user_without_a_role_is_an_administrador(partner_a_user):
    # The migration adds the column with this default: the existing users became
    # Administradores, as they could do everything before.
    from partners.models import PartnerUser

    assert PartnerUser.objects.get(user=partner_a_user).role == Role.ADMIN


@pytest.mark.parametrize("key", [None, "curta"], ids=["missing", "malformed"])
def test_production_refuses_to_start_without_a_good_two_factor_key(key):
    environment = {k: v for k, v in os.environ.items() if k != "TWO_FACTOR_ENCRYPTION_KEY"}
    environment["DEBUG"] = "false"
    if key is not None:
        environment["TWO_FACTOR_ENCRYPTION_KEY"] = key
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "TWO_FACTOR_ENCRYPTION_KEY must" in result.stderr


# Only Administrador and Operador renew, and so spend the partner's credit.


@pytest.fixture
def priced_expired(partner_a, make_client_in):
    """An Expirado Renovação manual client whose renewal costs R$ 150,00; R$ 400,00 credit."""
    from clients.models import Module, Price, Product
    from clients.services.credit import credit_add

    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=50_00, valid_from="2020-01-01"
    )
    credit_add(partner=partner_a, amount=400_00, by=None)
    return make_client_in(partner_a, Status.EXPIRED, licenses=3)


@pytest.mark.usefixtures("action_day")
def test_consulta_cannot_renew_nor_spend_the_credit(signed_in_as, partner_a, priced_expired):
    from clients.models import CreditEntry
    from clients.services.credit import balance
    from tests.client_actions import Unchanged

    http = signed_in_as(Role.VIEWER)
    with Unchanged(priced_expired):
        assert (
            http.get(reverse("clients:confirm", args=[priced_expired.pk, "renovar"])).status_code
            == 403
        )
        response = http.post(reverse("clients:renovar", args=[priced_expired.pk]))
        assert response.status_code == 403
        # The preview is a reading (it also serves Exportar seleção); its confirmation is not.
        preview = http.get(
            reverse("clients:bulk-preview"), {"acao": "renovar", "id": [priced_expired.pk]}
        )
        token = preview.context["preview"].token
        bulk = http.post(reverse("clients:bulk-confirm"), {"token": token})
        assert bulk.status_code == 403
    assert "Nada foi alterado." in response.text
    assert balance(partner_a) == 400_00
    assert CreditEntry.objects.filter(partner=partner_a).count() == 1  # the credit added only


@pytest.mark.usefixtures("action_day")
@pytest.mark.parametrize("role", [Role.ADMIN, Role.OPERATOR])
def test_administrador_and_operador_renew_and_spend_the_credit(
    signed_in_as, partner_a, priced_expired, role
):
    from clients.services.credit import balance

    response = signed_in_as(role).post(reverse("clients:renovar", args=[priced_expired.pk]))
    assert response.status_code == 302
    priced_expired.refresh_from_db()
    assert priced_expired.events.filter(action="renovar").exists()
    assert balance(partner_a) == 250_00
