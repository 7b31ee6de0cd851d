"""The client actions in a real browser: from the list's ⋮ menu to the list again.

The ⋮ menu is drawn by the list page; where it is not there, the test opens the page the
menu would open (the confirmation page or the form), so it exercises the same views.
"""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clients.domain.actions import MENU_STEP, Action
from clients.domain.status import Status
from clients.models import Client
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def sign_in(page, live_server):
    page.goto(live_server.url + reverse("login") + "?next=" + reverse("clients:list"))
    page.get_by_label("Usuário").fill("ana")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"**{reverse('clients:list')}**")


def choose(page, live_server, client, action):
    """Pick `action` for `client` as a partner would; a "post" action is then done."""
    page.goto(live_server.url + reverse("clients:list"))
    toggle = page.get_by_role("button", name=f"Ações de {client.name}")
    if toggle.count():
        toggle.click()
        entry = page.get_by_role("link", name=action.label, exact=True).or_(
            page.get_by_role("button", name=action.label, exact=True)
        )
        entry.filter(visible=True).first.click()
        return
    if MENU_STEP[action] == "form":
        page.goto(live_server.url + reverse(f"clients:{action.value}", args=[client.pk]))
        return
    page.goto(live_server.url + reverse("clients:confirm", args=[client.pk, action.value]))
    if MENU_STEP[action] == "post":  # the menu would have posted at once
        page.get_by_role("button", name=action.label, exact=True).click()


def row_of(page, client):
    return page.locator("tr", has_text=client.name)


def test_a_partner_suspends_a_client_and_cancels_the_suspension(
    live_server, page, partner_a, partner_a_user, make_client_in, screenshot_dir
):
    shop = make_client_in(partner_a, Status.ACTIVE, name="Mercado Bom Preço")
    sign_in(page, live_server)

    choose(page, live_server, shop, Action.SUSPEND)
    expect(page.get_by_role("heading", name="Suspender Mercado Bom Preço?")).to_be_visible()
    page.screenshot(path=f"{screenshot_dir}/actions-confirm-suspend.png", full_page=True)
    page.get_by_role("button", name="Suspender", exact=True).click()
    page.wait_for_url(f"**{reverse('clients:list')}**")
    expect(page.get_by_role("alert")).to_contain_text("Mercado Bom Preço foi suspenso")
    expect(row_of(page, shop)).to_contain_text("Suspenso")
    page.screenshot(path=f"{screenshot_dir}/actions-suspended.png", full_page=True)
    assert Client.objects.get(pk=shop.pk).status == Status.SUSPENDED

    choose(page, live_server, shop, Action.UNSUSPEND)
    page.wait_for_url(f"**{reverse('clients:list')}**")
    expect(page.get_by_role("alert")).to_contain_text("A suspensão de Mercado Bom Preço foi")
    expect(row_of(page, shop)).to_contain_text("Ativo")
    assert Client.objects.get(pk=shop.pk).status == Status.ACTIVE
    assert shop.events.count() == 2

    page.goto(live_server.url + reverse("clients:history", args=[shop.pk]))
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text("Cancelar suspensão")
    page.screenshot(path=f"{screenshot_dir}/actions-history.png", full_page=True)


def test_a_partner_reactivates_an_inactive_client_through_the_form(
    live_server, page, partner_a, partner_a_user, make_client_in, screenshot_dir
):
    shop = make_client_in(partner_a, Status.INACTIVE, name="Padaria Aurora", licenses=3)
    sign_in(page, live_server)

    choose(page, live_server, shop, Action.REACTIVATE)
    expect(page.get_by_role("heading", name="Reativar cliente")).to_be_visible()
    page.get_by_label("Licenças").fill("2")
    page.get_by_label("Cloud").check()
    page.screenshot(path=f"{screenshot_dir}/actions-reactivate-form.png", full_page=True)
    page.get_by_role("button", name="Salvar e reativar").click()

    page.wait_for_url(f"**{reverse('clients:list')}**")
    expect(page.get_by_role("alert")).to_contain_text("Padaria Aurora foi reativado até")
    expect(row_of(page, shop)).to_contain_text("Ativo")
    shop.refresh_from_db()
    assert shop.status == Status.ACTIVE
    assert shop.licenses.get(module="cloud").quantity == 1


def test_a_partner_registers_a_link_client(
    live_server, page, partner_a, partner_a_user, screenshot_dir
):
    sign_in(page, live_server)
    page.goto(live_server.url + reverse("clients:new"))
    page.get_by_label("Nome da empresa").fill("Mercado Estrela")
    page.get_by_label("CPF/CNPJ").fill("12.abc.345/01de-35")
    page.get_by_label("UF").select_option("RJ")
    # The city suggestions follow the UF (client_form.js fetched RJ's municipalities).
    expect(page.locator('#city-options option[value="Niterói"]')).to_have_count(1)
    expect(page.locator('#city-options option[value="Campinas"]')).to_have_count(0)
    page.get_by_label("Cidade").fill("niteroi")
    # Link-only modules are hidden while Navi is chosen.
    page.get_by_label("Navi").check()
    expect(page.get_by_label("Link Móvel")).to_be_hidden()
    page.get_by_label("Link", exact=True).check()
    expect(page.get_by_label("Link Móvel")).to_be_visible()
    page.get_by_label("Licenças").fill("3")
    page.screenshot(path=f"{screenshot_dir}/actions-new-client.png", full_page=True)
    page.get_by_role("button", name="Cadastrar cliente").click()

    page.wait_for_url(f"**{reverse('clients:list')}**")
    expect(page.get_by_role("alert")).to_contain_text(
        re.compile(r"Mercado Estrela foi cadastrado, ativo até .* Código de registro: \S{23}")
    )
    shop = Client.objects.get(name="Mercado Estrela")
    assert (shop.cpf_cnpj, shop.city, shop.uf) == ("12ABC34501DE35", "Niterói", "RJ")
