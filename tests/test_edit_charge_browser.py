"""Editar's charge preview in a real browser: at a desktop's and a phone's width, axe finds no
serious violation, nothing is wider than the screen, and the confirmation saves."""

import datetime

import pytest
from playwright.sync_api import expect

from clients.domain.actions import Action
from clients.models import Module, Price, Product, Renewal
from clients.services.credit import balance, credit_add
from tests.client_actions import action_url
from tests.test_accessibility_browser import (  # noqa: F401 (open_context is a fixture)
    DESKTOP,
    PHONE,
    open_context,
    page_width,
    serious_violations,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("action_day")]  # 18/03/2026


@pytest.fixture
def shop(partner_a, make_client, staff_user):
    day = datetime.date(2026, 1, 1)
    Price.objects.create(product=Product.LINK, module=Module.CLOUD, monthly=5000, valid_from=day)
    credit_add(partner=partner_a, amount=40000, by=staff_user, description="Pix")
    return make_client(
        partner_a,
        name="Mercado Sol",
        product=Product.LINK,
        expires_on=datetime.date(2026, 3, 27),
        renewal=Renewal.MANUAL,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x900", "390x844"])
def test_the_preview_is_accessible_and_its_confirmation_saves(
    live_server,
    open_context,  # noqa: F811 (the fixture imported above)
    shop,
    partner_a,
    screenshot_dir,
    viewport,  # noqa: F811
):
    page = open_context(viewport).new_page()
    page.goto(live_server.url + action_url(Action.EDIT, shop))
    page.get_by_label("Cloud").check()
    page.get_by_role("button", name="Salvar").click()
    preview = page.locator("#charge-preview")
    expect(preview).to_contain_text("Esta alteração cobra R$ 17,86: Cloud")
    expect(preview).to_contain_text("Saldo: R$ 400,00.")
    page.screenshot(path=f"{screenshot_dir}/edit-charge-{viewport['width']}.png", full_page=True)
    assert serious_violations(page) == []
    width, screen = page_width(page)
    assert width <= screen
    assert balance(partner_a) == 40000  # nothing charged yet
    preview.get_by_role("button", name="Confirmar e pagar R$ 17,86").click()
    expect(page.get_by_text("R$ 17,86 debitados do crédito.")).to_be_visible()
    assert balance(partner_a) == 40000 - 1786
