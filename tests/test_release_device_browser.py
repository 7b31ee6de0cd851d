"""Liberar dispositivo in a real browser, as an Operador would: the Link client's software
activated through the API; the partner opens the ⋮ menu, reads the confirmation, confirms,
and finds the new registration code (the message, the Link row, the client's page) and the
Histórico entry. At 1366 and 390 px, with screenshots; axe on the confirmation page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from clients.models import ClientEvent, Event, RegistrationCode, ReleasedKey
from partners.models import Role
from tests.conftest import PASSWORD
from tests.test_accessibility_browser import (
    DESKTOP,
    PHONE,
    assert_fits_its_box,
    serious_violations,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def activated(api, partner_a, make_link_client):
    """A Link client whose software activated its code on CELULAR-01 through the API."""
    shop, code = make_link_client(partner_a, name="Lanchonete Boa Vista")
    body = {"codigo_registro": code, "maquina": "CELULAR-01", "versao": "4.2.1"}
    assert api.post("ativacao", body).status_code == 201
    shop.refresh_from_db()
    assert shop.license_key
    return shop


@pytest.fixture
def operator(partner_a, make_member):
    return make_member(partner_a, "otto", role=Role.OPERATOR)


def sign_in(page, live_server, username):
    page.goto(live_server.url + reverse("login") + "?next=" + reverse("clients:list"))
    page.get_by_label("Usuário").fill(username)
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"**{reverse('clients:list')}**")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366", "390"])
def test_an_operator_releases_a_device_and_finds_the_new_code_and_the_history(
    api, browser, browser_context_args, live_server, activated, operator, screenshot_dir, viewport
):
    shop, old_key, width = activated, activated.license_key, viewport["width"]
    context = browser.new_context(
        **{**browser_context_args, "viewport": viewport, "bypass_csp": True}  # axe
    )
    page = context.new_page()
    sign_in(page, live_server, "otto")

    page.get_by_role("button", name=f"Ações de {shop.name}").click()
    page.get_by_role("link", name="Liberar dispositivo", exact=True).click()
    heading = page.get_by_role("heading", name=f"Liberar o dispositivo de {shop.name}?")
    expect(heading).to_be_visible()
    card = page.locator(".card-body")
    expect(card).to_contain_text("O dispositivo “CELULAR-01” para de funcionar na próxima")
    expect(card).to_contain_text("Um novo código de registro é gerado")
    expect(card).to_contain_text("Restam 2 de 2 liberações neste mês.")
    page.screenshot(path=f"{screenshot_dir}/release-confirm-{width}.png", full_page=True)
    assert serious_violations(page) == []

    page.get_by_role("button", name="Liberar dispositivo", exact=True).click()
    page.wait_for_url(f"**{reverse('clients:list')}")
    new_code = RegistrationCode.objects.get(client=shop, consumed_at__isnull=True).code
    expect(page.get_by_role("alert")).to_contain_text(f"Novo código de registro: {new_code}")
    page.get_by_label(f"Detalhes do Link de {shop.name}").click()
    details = page.locator(".link-details-list")
    expect(details).to_contain_text(f"Código de registro{new_code}")
    expect(details).not_to_contain_text(old_key)
    page.screenshot(path=f"{screenshot_dir}/release-done-{width}.png", full_page=True)

    page.get_by_role("link", name=shop.name, exact=True).click()
    expect(page.get_by_role("heading", name=shop.name, exact=True)).to_be_visible()
    expect(page.locator("code", has_text=new_code)).to_be_visible()
    history = page.get_by_role("region", name="Histórico")
    first = history.locator("tbody tr").first
    expect(first).to_contain_text("Liberar dispositivo")
    expect(first).to_contain_text("otto")
    expect(first).to_contain_text(
        f"Dispositivo “CELULAR-01” liberado (1ª liberação do mês). Novo código de registro: "
        f"{new_code}."
    )
    first.scroll_into_view_if_needed()
    expect(first.get_by_text(new_code)).to_be_in_viewport()
    assert_fits_its_box(history.locator("table"))  # on a phone too: nothing hides to the right
    page.screenshot(path=f"{screenshot_dir}/release-client-{width}.png", full_page=True)
    context.close()

    assert ClientEvent.objects.filter(client=shop, action=Event.RELEASE_DEVICE).count() == 1
    assert ReleasedKey.objects.get().key == old_key
    # The old device's next check-in is refused with the reason.
    refused = api.post("verificacao", {"chave": old_key, "versao": "4.2.1"})
    assert refused.status_code == 410
