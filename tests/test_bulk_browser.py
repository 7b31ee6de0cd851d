"""Bulk actions in a real browser: tick rows, preview, confirm, see the result."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clients.domain.status import Status
from clients.models import Client, ClientEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_a_partner_renews_chosen_clients_after_a_preview(
    live_server, page, partner_a, partner_a_user, make_client_in, screenshot_dir, action_day
):
    due = [make_client_in(partner_a, Status.EXPIRED, name=f"Mercado Vencido {n}") for n in (1, 2)]
    blocked = make_client_in(partner_a, Status.SUSPENDED, name="Padaria Suspensa")
    untouched = make_client_in(partner_a, Status.EXPIRED, name="Loja Não Marcada")
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Usuário").fill("ana")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_role("heading", name="Início")).to_be_visible()
    page.get_by_role("link", name="Clientes", exact=True).click()

    for client in (*due, blocked):
        page.get_by_role("checkbox", name=f"Selecionar {client.name}").check()
    expect(page.get_by_role("button", name="Pré-visualizar")).to_contain_text("(3)")
    page.get_by_label("Com os selecionados:").select_option(label="Renovar")
    page.get_by_role("button", name="Pré-visualizar").click()

    expect(page.get_by_role("heading", name="Renovar: prévia de 3 clientes")).to_be_visible()
    expect(page.locator(f'tr[data-id="{blocked.pk}"]')).to_contain_text(
        "“Renovar” não está disponível para um cliente Suspenso."
    )
    for client in due:
        expect(page.locator(f'tr[data-id="{client.pk}"]')).to_contain_text("Vencimento")
    assert not ClientEvent.objects.exists()
    page.screenshot(path=f"{screenshot_dir}/bulk-preview.png", full_page=True)

    page.get_by_role("button", name="Confirmar: renovar 2 clientes").click()
    expect(page.locator("#bulk-summary")).to_contain_text("2 clientes alterados")
    page.screenshot(path=f"{screenshot_dir}/bulk-result.png", full_page=True)
    for client in due:
        renewed = Client.objects.get(pk=client.pk)
        assert renewed.expires_on > client.expires_on
    assert Client.objects.get(pk=untouched.pk).expires_on == untouched.expires_on
    assert ClientEvent.objects.filter(action="renovar").count() == 2


def test_selecting_the_whole_page_ticks_every_row(
    live_server, page, partner_a, partner_a_user, make_client_in, action_day
):
    for n in range(3):
        make_client_in(partner_a, Status.ACTIVE, name=f"Cliente {n}")
    page.goto(live_server.url + reverse("login") + "?next=" + reverse("clients:list"))
    page.get_by_label("Usuário").fill("ana")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("checkbox", name="Selecionar todos desta página").check()
    expect(page.get_by_role("button", name="Pré-visualizar")).to_contain_text("(3)")
    page.get_by_role("button", name="Selecionar todos os 3 que correspondem ao filtro").click()
    expect(page.get_by_role("heading", name="Renovar: prévia de 3 clientes")).to_be_visible()
