"""The Pendente review in the Django admin: pending clients with their reason, approved or
rejected with a reason, each decision written to the client's history.
"""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django_otp.oath import totp

from clients.domain.status import Status, client_status
from clients.models import Client
from clients.services import ActionNotAllowed
from clients.services.review import client_reject
from tests.conftest import PASSWORD, sign_in_staff, staff_device
from tests.csv_helpers import NOW

CHANGELIST = reverse("admin:clients_client_changelist")


@pytest.fixture(autouse=True)
def now(request):
    if request.node.get_closest_marker("browser"):  # the browser needs a running clock
        yield None
        return
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def pending(partner_a, make_client):
    return make_client(
        partner_a,
        name="Mercado Duplicado",
        expires_on=dt.date(2026, 12, 20),
        pending_since=NOW,
        pending_reason="CPF/CNPJ já cadastrado por outro parceiro para este produto.",
    )


@pytest.fixture
def active(partner_a, make_client):
    return make_client(partner_a, name="Loja Regular", expires_on=dt.date(2026, 12, 20))


def act(admin_client_, action, *clients, **data):
    return admin_client_.post(
        CHANGELIST,
        {"action": action, "_selected_action": [client.pk for client in clients], **data},
    )


def test_the_pending_filter_lists_pending_clients_with_their_reason(admin_client_, pending, active):
    response = admin_client_.get(CHANGELIST, {"status": "pendente"})
    assert response.status_code == 200
    assert "Mercado Duplicado" in response.text
    assert "CPF/CNPJ já cadastrado por outro parceiro para este produto." in response.text
    assert "Loja Regular" not in response.text
    assert "Rejeitar com motivo os clientes pendentes selecionados" in response.text


def test_approving_takes_the_client_out_of_pendente_and_records_it(
    admin_client_, staff_user, pending
):
    response = act(admin_client_, "approve", pending)
    assert response.status_code == 302

    pending.refresh_from_db()
    assert pending.status == Status.ACTIVE
    assert pending.pending_reason == ""
    event = pending.events.get()
    assert (event.action, event.actor) == ("aprovar", staff_user)
    assert (event.before["status"], event.after["status"]) == ("pendente", "ativo")


def test_rejecting_first_asks_for_the_reason(admin_client_, pending):
    response = act(admin_client_, "reject", pending)

    assert response.status_code == 200
    assert "Rejeitar clientes pendentes" in response.text
    assert "Mercado Duplicado" in response.text
    assert 'name="reason"' in response.text
    assert 'name="apply"' in response.text
    pending.refresh_from_db()
    assert pending.status == Status.PENDING
    assert not pending.events.exists()


def test_rejecting_with_a_reason_ends_the_client_inativo_and_hidden(
    admin_client_, staff_user, pending
):
    response = act(
        admin_client_, "reject", pending, apply="yes", reason="Cadastro duplicado da Revenda Beta."
    )
    assert response.status_code == 302
    assert response.url == CHANGELIST

    pending.refresh_from_db()
    assert pending.status == Status.HIDDEN
    assert client_status(pending, ignore_hidden=True) == Status.INACTIVE
    assert pending.expires_on == dt.date(2026, 10, 31)  # the last day of the previous month
    assert pending.pending_since is None and pending.pending_reason == ""
    event = pending.events.get()
    assert (event.action, event.actor, event.note) == (
        "rejeitar",
        staff_user,
        "Cadastro duplicado da Revenda Beta.",
    )
    assert event.before["pending_reason"].startswith("CPF/CNPJ já cadastrado")
    assert (event.before["status"], event.after["status"]) == ("pendente", "oculto")
    messages = [str(m) for m in admin_client_.get(CHANGELIST).context["messages"]]
    assert messages == ["1 cliente(s) rejeitado(s): agora Inativos e ocultos."]


def test_rejecting_without_a_reason_changes_nothing(admin_client_, pending):
    response = act(admin_client_, "reject", pending, apply="yes", reason="   ")
    assert response.status_code == 200
    assert "Este campo é obrigatório." in response.text
    pending.refresh_from_db()
    assert pending.status == Status.PENDING


def test_a_client_that_is_not_pending_is_neither_approved_nor_rejected(admin_client_, active):
    act(admin_client_, "approve", active)
    act(admin_client_, "reject", active, apply="yes", reason="Engano")

    active.refresh_from_db()
    assert active.status == Status.ACTIVE
    assert not active.events.exists()
    messages = [str(m) for m in admin_client_.get(CHANGELIST).context["messages"]]
    assert messages == [
        "Loja Regular: Só um cliente Pendente pode ser aprovado.",
        "Loja Regular: Só um cliente Pendente pode ser rejeitado.",
    ]


def test_partner_users_cannot_reach_the_review(client_a, pending):
    response = client_a.post(CHANGELIST, {"action": "approve", "_selected_action": [pending.pk]})
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))
    assert Client.objects.get(pk=pending.pk).status == Status.PENDING


def test_rejection_keeps_a_vencimento_that_is_already_earlier(staff_user, partner_a, make_client):
    old = make_client(partner_a, expires_on=dt.date(2025, 3, 31), pending_since=NOW)
    client_reject(client=old, by=staff_user, reason="Cliente encerrado")
    old.refresh_from_db()
    assert old.expires_on == dt.date(2025, 3, 31)
    assert old.status == Status.HIDDEN


def test_the_service_refuses_an_empty_reason(staff_user, pending):
    with pytest.raises(ActionNotAllowed, match="Informe o motivo da rejeição."):
        client_reject(client=pending, by=staff_user, reason=" ")


@pytest.mark.browser
def test_an_admin_rejects_a_pending_client_in_a_real_browser(
    live_server, page, staff_user, partner_a, make_client, screenshot_dir
):
    make_client(
        partner_a,
        name="Mercado Duplicado",
        pending_since=dt.datetime.now(dt.UTC),
        pending_reason="CPF/CNPJ já cadastrado por outro parceiro para este produto.",
    )
    device = staff_device(staff_user)
    # The admin's sign-in is the portal's: the password, then the code.
    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_label("Usuário ou e-mail").fill("staff")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_label("Código").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(f"**{reverse('admin:index')}")
    page.goto(f"{live_server.url}{CHANGELIST}?status=pendente")
    page.screenshot(path=f"{screenshot_dir}/admin-pending-list.png", full_page=True)
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option(
        label="Rejeitar com motivo os clientes pendentes selecionados"
    )
    page.get_by_role("button", name="Executar", exact=True).click()

    page.screenshot(path=f"{screenshot_dir}/admin-reject-pending.png", full_page=True)
    page.get_by_label("Motivo da rejeição").fill("Cadastro duplicado.")
    page.screenshot(path=f"{screenshot_dir}/admin-reject-pending.png", full_page=True)
    page.get_by_role("button", name="Rejeitar", exact=True).click()

    page.wait_for_url(f"**{CHANGELIST}**")
    assert page.get_by_text("1 cliente(s) rejeitado(s): agora Inativos e ocultos.").is_visible()
    assert Client.objects.get().status == Status.HIDDEN


def test_staff_who_may_only_view_clients_get_neither_action(client, pending):
    viewer = get_user_model().objects.create_user("leitor", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_client"))
    sign_in_staff(client, viewer)

    page = client.get(CHANGELIST, {"status": "pendente"}).text
    assert "Mercado Duplicado" in page
    assert "Aprovar clientes pendentes" not in page
    assert "Rejeitar com motivo" not in page
    client.post(CHANGELIST, {"action": "approve", "_selected_action": [pending.pk]})
    assert Client.objects.get(pk=pending.pk).status == Status.PENDING


def test_a_rejected_link_client_loses_its_unused_registration_code(
    staff_user, partner_a, make_client
):
    from clients.models import RegistrationCode

    rejected = make_client(partner_a, product="link", pending_since=NOW)
    used = RegistrationCode.objects.create(client=rejected, consumed_at=NOW, machine="CAIXA")
    RegistrationCode.objects.create(client=rejected)
    client_reject(client=rejected, by=staff_user, reason="Duplicado")
    assert list(RegistrationCode.objects.filter(client=rejected)) == [used]
