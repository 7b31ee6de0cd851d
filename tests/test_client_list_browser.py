"""The Clientes screen in a real browser (Debian's Chromium through Playwright)."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.models import Product, RegistrationCode
from tests.conftest import PASSWORD


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "pt-BR", "viewport": {"width": 1366, "height": 900}}


@pytest.fixture
def screen(partner_a, partner_a_user, make_client):
    today = timezone.localdate()
    later = today + datetime.timedelta(days=45)
    long_ago = today.replace(day=1) - datetime.timedelta(days=60)
    names = ["Bar", "Farmácia", "Loja", "Mercado", "Padaria", "Restaurante"]
    for n, kind in enumerate(names * 3):
        make_client(
            partner_a,
            name=f"{kind} Exemplo {n + 1}",
            product=Product.NAVI if n % 3 else Product.LINK,
            expires_on=later if n % 4 else long_ago,
            license_key=f"ALFA-{n:04d}-K" if n % 3 == 0 and n % 2 == 0 else None,
            link_version="4.2.1" if n % 3 == 0 and n % 2 == 0 else "",
            licenses=n % 4 + 1,
        )
    make_client(partner_a, name="Cliente Suspenso", expires_on=later, suspended_at=timezone.now())
    new_link = make_client(
        partner_a, name="Açougue Recém-Cadastrado", product=Product.LINK, expires_on=later
    )
    return RegistrationCode.objects.create(client=new_link)


@pytest.mark.browser
def test_a_partner_filters_expands_views_codes_and_opens_a_menu(
    live_server, page, screen, screenshot_dir
):
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Usuário").fill("ana")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"**{reverse('clients:list')}")
    expect(page.get_by_role("heading", name="Clientes", exact=True)).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/clients-list.png", full_page=True)

    # Filter by a status.
    page.get_by_role("checkbox", name="Suspenso").check()
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**status=suspenso**")
    rows = page.locator("table.client-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Cliente Suspenso")
    page.screenshot(path=f"{screenshot_dir}/clients-filter-suspenso.png", full_page=True)

    # Expand a Link row.
    page.get_by_role("link", name="Limpar filtros").click()
    toggle = page.get_by_label("Detalhes do Link de Açougue Recém-Cadastrado")
    details = page.locator("tr.link-details-row").first
    expect(details).to_be_hidden()
    toggle.click()
    expect(details).to_be_visible()
    expect(details).to_contain_text("Versão do Link")
    expect(details).to_contain_text("Código de registro")
    expect(details).to_contain_text(screen.code)
    page.wait_for_timeout(300)  # let the caret finish turning
    page.screenshot(path=f"{screenshot_dir}/clients-link-details.png", full_page=False)
    toggle.click()
    expect(details).to_be_hidden()

    # The unused-codes dialog.
    expect(page.get_by_role("status")).to_contain_text("1 código de registro ainda não utilizado")
    page.get_by_role("link", name="Visualizar").click()
    dialog = page.get_by_role("dialog", name="Códigos de registro não utilizados")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Açougue Recém-Cadastrado")
    expect(dialog).to_contain_text(screen.code)
    page.screenshot(path=f"{screenshot_dir}/clients-codes-dialog.png", full_page=False)
    dialog.get_by_role("button", name="Fechar").click()
    expect(dialog).to_be_hidden()

    # A ⋮ menu.
    page.get_by_role("button", name="Ações de Cliente Suspenso").click()
    menu = page.locator(".dropdown-menu.show")
    expect(menu).to_be_visible()
    expect(menu.get_by_text("Cancelar suspensão", exact=True)).to_be_visible()
    expect(menu.get_by_text("Histórico", exact=True)).to_be_visible()
    expect(menu.get_by_text("Suspender", exact=True)).to_have_count(0)
    page.screenshot(path=f"{screenshot_dir}/clients-actions-menu.png", full_page=False)
