"""Accessibility in a real browser: axe-core on every partner page, a phone's width, the keyboard.

axe-core (tests/vendor/axe-core/, from the npm registry) is injected by Playwright into each
page at 1366×900 and at 390×844; any violation of impact "serious" or "critical" fails the
test, with the rule, the elements and axe's help text. The page's Content-Security-Policy
forbids inline scripts, so these browser contexts bypass it (only to inject axe).
"""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from clients.domain.status import Status
from clients.models import ClientEvent, Module, Price, Product, RegistrationCode
from clients.services import client_renew, client_suspend
from clients.services.credit import credit_add
from tests.conftest import sign_in_staff

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture
def shops(partner_a, partner_a_user, make_client_in):
    """Partner A's clients: one of each status, a Link client with an unused code, history."""
    shops = {
        status: make_client_in(partner_a, status, name=f"Cliente {status.label}")
        for status in Status
    }
    link = make_client_in(
        partner_a, Status.ACTIVE, name="Açougue Recém-Cadastrado", product=Product.LINK
    )
    RegistrationCode.objects.create(client=link)
    shops["link"] = link
    client_suspend(client=shops[Status.ACTIVE], by=partner_a_user)
    shops[Status.ACTIVE].suspended_at = None
    shops[Status.ACTIVE].save(update_fields=["suspended_at"])
    ClientEvent.objects.create(
        client=shops[Status.ACTIVE], action="renovar", actor_label="sistema", at=timezone.now()
    )
    shops["jobs"] = jobs_in_each_state(partner_a, partner_a_user, shops[Status.ACTIVE])
    shops["renewed"] = credit_entries(partner_a, partner_a_user, make_client_in)
    # 30 licenses at R$ 49,90: a renewal of R$ 1.497,00, more than the balance left.
    shops["costly"] = make_client_in(
        partner_a, Status.EXPIRED, name="Supermercado Grande", licenses=30
    )
    shops["draft"] = import_preview(partner_a, partner_a_user)
    return shops


def credit_entries(partner, user, make_client_in):
    """Credit added, and a renewal paid from it (Crédito's extrato)."""
    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=4990, valid_from=timezone.localdate()
    )
    credit_add(partner=partner, amount=123456, by=None, description="Pagamento via PIX")
    shop = make_client_in(partner, Status.ACTIVE, name="Mercearia Renovada")
    return client_renew(client=shop, by=user)


def import_preview(partner, user):
    """An import's preview with a refused line."""
    from clients.services.imports import prepare

    text = "nome;cpf_cnpj;email;produto;uf;cidade;vencimento\nSem CPF;;a@b.com;navi;SP;X;1/1/2030\n"
    return prepare(partner=partner, user=user, name="clientes.csv", data=text.encode())


def jobs_in_each_state(partner, user, shop):
    """A bulk job of `user` running, one done (a client changed, one refused), one failed."""
    from jobs.models import Job, JobLine, State

    jobs = {}
    for state, done in ((State.RUNNING, 120), (State.DONE, 2), (State.FAILED, 1)):
        jobs[state] = Job.objects.create(
            partner=partner,
            user=user,
            kind="bulk",
            title="Suspender em lote: 480 clientes",
            task_path="clients.tasks.apply_bulk",
            key=state,
            state=state,
            done=done,
            total=480 if state == State.RUNNING else 2,
            heartbeat_at=timezone.now(),
            permission="alterar",
            error="O processamento foi interrompido no meio." if state == State.FAILED else "",
            back_url=reverse("clients:list"),
        )
        JobLine.objects.create(
            job=jobs[state], attempt=1, subject_id=shop.pk, label=shop.name, ok=True, message="Ok"
        )
        if state == State.DONE:
            JobLine.objects.create(
                job=jobs[state], attempt=1, subject_id=0, label="Outro", ok=False, message="Não"
            )
    return jobs


@pytest.fixture
def open_context(browser, browser_context_args, live_server, partner_a_user, client):
    """open_context(viewport) -> a browser context signed in as partner A's user."""
    client.force_login(partner_a_user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    contexts = []

    def open_(viewport, **options):
        context = browser.new_context(
            **{**browser_context_args, "viewport": viewport, "bypass_csp": True, **options}
        )
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
        )
        contexts.append(context)
        return context

    yield open_
    for context in contexts:
        context.close()


def serious_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in result["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def partner_pages(shops):
    """(name, path, what to do on the page before axe runs) for every partner page."""
    ativo, inativo, link = shops[Status.ACTIVE], shops[Status.INACTIVE], shops["link"]
    navi, costly = shops[Status.SUSPENDED], shops["costly"]

    def expand_row_and_open_menu(page):
        page.get_by_label(f"Detalhes do Link de {link.name}").click()
        page.get_by_role("button", name=f"Ações de {ativo.name}").click()
        expect(page.locator(".dropdown-menu.show")).to_be_visible()

    def open_codes_dialog(page):
        page.get_by_role("link", name="Visualizar").click()
        dialog = page.get_by_role("dialog", name="Códigos de registro não utilizados")
        expect(dialog).to_contain_text(link.name)
        page.wait_for_timeout(400)  # the fade-in, so that colours are final

    def shows_the_cost(page):
        expect(page.locator("main")).to_contain_text("R$ 49,90")
        expect(page.get_by_role("button", name="Renovar")).to_be_visible()

    def shows_the_missing_credit(page):
        expect(page.get_by_role("alert")).to_contain_text(re.compile("faltam R\\$", re.I))
        expect(page.get_by_role("button", name="Renovar")).to_have_count(0)

    def refuses_the_batch(page):
        expect(page.get_by_role("alert")).to_contain_text("Crédito insuficiente")
        expect(page.get_by_role("button", name=re.compile("^Confirmar"))).to_have_count(0)

    def invalid_form(page):
        page.get_by_role("button", name="Cadastrar cliente").click()
        expect(page.locator(".is-invalid").first).to_be_visible()

    return [
        ("lista", reverse("clients:list"), None),
        ("lista-menu", reverse("clients:list"), expand_row_and_open_menu),
        ("lista-codigos", reverse("clients:list"), open_codes_dialog),
        ("lista-filtrada", reverse("clients:list") + "?status=oculto&q=cliente", None),
        ("cliente", reverse("clients:detail", args=[ativo.pk]), None),
        ("cliente-pendente", reverse("clients:detail", args=[shops[Status.PENDING].pk]), None),
        ("cliente-link", reverse("clients:detail", args=[link.pk]), None),
        ("historico", reverse("clients:history", args=[ativo.pk]), None),
        ("novo", reverse("clients:new"), None),
        ("novo-erros", reverse("clients:new"), invalid_form),
        ("editar", reverse("clients:editar", args=[ativo.pk]), None),
        ("reativar", reverse("clients:reativar", args=[inativo.pk]), None),
        ("certificado", reverse("clients:certificado", args=[navi.pk]), None),
        ("confirmar", reverse("clients:confirm", args=[ativo.pk, "suspender"]), None),
        # Renovar with its cost and the balance; then one the credit cannot pay (no button).
        (
            "confirmar-renovar",
            reverse("clients:confirm", args=[ativo.pk, "renovar"]),
            shows_the_cost,
        ),
        (
            "confirmar-renovar-sem-credito",
            reverse("clients:confirm", args=[costly.pk, "renovar"]),
            shows_the_missing_credit,
        ),
        ("codigos", reverse("clients:registration-codes"), None),
        ("inicio", reverse("home"), None),
        ("renovacao", reverse("clients:renewals"), None),
        ("em-lote", reverse("clients:bulk-preview") + f"?acao=renovar&id={ativo.pk}", None),
        (
            "em-lote-sem-credito",
            reverse("clients:bulk-preview") + f"?acao=renovar&id={ativo.pk}&id={costly.pk}",
            refuses_the_batch,
        ),
        ("atividade", reverse("clients:activity"), None),
        ("importar", reverse("clients:import"), None),
        ("importar-previa", reverse("clients:import-preview", args=[shops["draft"].pk]), None),
        ("atividade-filtrada", reverse("clients:activity") + "?acao=suspender&de=2026-13-01", None),
        ("credito", reverse("clients:credit"), None),
        (
            "credito-filtrado",
            reverse("clients:credit") + f"?mes={timezone.localdate():%Y-%m}",
            None,
        ),
        ("credito-erros", reverse("clients:credit") + "?mes=2026-13&tipo=bonus", None),
        *(
            (f"tarefa-{state}", reverse("jobs:detail", args=[job.pk]), None)
            for state, job in shops["jobs"].items()
        ),
        ("conta", reverse("accounts:account"), None),
        ("duas-etapas", reverse("accounts:two-factor"), None),
        ("equipe", reverse("accounts:team"), None),
        ("convidar", reverse("accounts:invite"), None),
    ]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366x900", "390x844"])
def test_no_partner_page_has_a_serious_accessibility_violation(
    live_server, open_context, shops, screenshot_dir, viewport
):
    page = open_context(viewport).new_page()
    found = {}
    for name, path, prepare in partner_pages(shops):
        page.goto(live_server.url + path)
        if prepare:
            prepare(page)
        page.screenshot(path=f"{screenshot_dir}/a11y-{name}-{viewport['width']}.png")
        if violations := serious_violations(page):
            found[name] = violations
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def test_the_sign_in_page_has_no_serious_accessibility_violation(browser, live_server, db):
    page = browser.new_page(viewport=DESKTOP, bypass_csp=True)
    page.goto(live_server.url + reverse("login"))
    assert serious_violations(page) == []
    page.close()


# A phone: the page is never wider than the screen -------------------------------------------


def page_width(page) -> tuple[int, int]:
    return page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize(
    "viewport",
    # a 390 px phone; 320 px; a 1366 px window at 400 % zoom (341 CSS px by 225).
    [PHONE, {"width": 320, "height": 640}, {"width": 341, "height": 225}],
    ids=["390px", "320px", "zoom-400"],
)
def test_no_page_is_wider_than_a_phones_screen(
    live_server, open_context, shops, screenshot_dir, viewport
):
    page = open_context(viewport).new_page()
    for name, path, prepare in partner_pages(shops):
        page.goto(live_server.url + path)
        if prepare:
            prepare(page)
        width, screen = page_width(page)
        assert width <= screen, f"{name}: {width} px de largura numa tela de {screen} px"
    page.goto(live_server.url + reverse("clients:list"))
    page.screenshot(path=f"{screenshot_dir}/phone-list-{viewport['width']}.png", full_page=True)


def test_a_menu_opened_on_a_phone_lies_inside_the_screen(
    live_server, open_context, shops, screenshot_dir
):
    page = open_context(PHONE).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    expect(page.get_by_role("link", name=shops[Status.ACTIVE].name, exact=True)).to_be_visible()
    for toggle in page.locator(".actions-toggle").all()[:3]:
        toggle.scroll_into_view_if_needed()
        toggle.click()
        menu = page.locator(".dropdown-menu.show")
        expect(menu).to_be_visible()
        box = menu.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], box
        page.keyboard.press("Escape")
        expect(menu).to_have_count(0)
    toggle = page.locator(".actions-toggle").first
    toggle.click()
    page.screenshot(path=f"{screenshot_dir}/phone-menu.png")


def test_the_filters_are_closed_on_a_phone_until_a_filter_is_set(live_server, open_context, shops):
    page = open_context(PHONE).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    search = page.get_by_label("Buscar")
    expect(search).to_be_hidden()
    page.get_by_text("Filtros", exact=True).click()
    expect(search).to_be_visible()
    search.fill("cliente")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url("**q=cliente**")
    expect(page.get_by_label("Buscar")).to_be_visible()  # open: a filter is set


def test_without_javascript_the_filters_still_open(live_server, open_context, shops):
    page = open_context(PHONE, java_script_enabled=False).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    expect(page.get_by_label("Buscar")).to_be_hidden()
    page.get_by_text("Filtros", exact=True).click()
    expect(page.get_by_label("Buscar")).to_be_visible()


# The keyboard --------------------------------------------------------------------------------


def focused(page) -> str:
    return page.evaluate(
        "() => (document.activeElement.getAttribute('aria-label') "
        "|| document.activeElement.id || document.activeElement.textContent).trim()"
    )


def test_the_skip_link_leads_to_the_table(live_server, open_context, shops):
    page = open_context(DESKTOP).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    page.keyboard.press("Tab")
    assert focused(page) == "Ir para a lista de clientes"
    expect(page.get_by_role("link", name="Ir para a lista de clientes")).to_be_visible()
    page.keyboard.press("Enter")
    assert focused(page) == "lista-clientes"
    for _ in range(15):  # the sort links, then the first row's controls
        page.keyboard.press("Tab")
        if focused(page).startswith("Ações de "):
            break
    else:
        pytest.fail("o primeiro ⋮ fica a mais de 15 Tabs do salto para a lista")


@pytest.mark.parametrize("key", ["Enter", " "], ids=["Enter", "Space"])
def test_a_menu_opens_by_keyboard_and_escape_gives_the_focus_back(
    live_server, open_context, shops, key
):
    page = open_context(DESKTOP).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    name = f"Ações de {shops[Status.ACTIVE].name}"
    toggle = page.get_by_role("button", name=name)
    toggle.focus()
    page.keyboard.press(key)
    menu = page.locator(".dropdown-menu.show")
    expect(menu).to_be_visible()
    page.keyboard.press("ArrowDown")
    assert focused(page) in ("Editar", "Suspender", "Renovar")
    page.keyboard.press("Escape")
    expect(menu).to_have_count(0)
    expect(toggle).to_be_focused()


def test_escape_closes_the_codes_dialog_and_gives_the_focus_back_to_visualizar(
    live_server, open_context, shops
):
    page = open_context(DESKTOP).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    page.get_by_role("link", name="Visualizar").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Códigos de registro não utilizados")
    expect(dialog).to_contain_text(shops["link"].name)
    page.wait_for_function("() => document.activeElement.closest('.modal')")  # focus moved in
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Visualizar")).to_be_focused()


def test_the_focus_ring_on_a_menu_button_is_visible(live_server, open_context, shops):
    page = open_context(DESKTOP).new_page()
    page.goto(live_server.url + reverse("clients:list"))
    toggle = page.get_by_role("button", name=f"Ações de {shops[Status.ACTIVE].name}")
    toggle.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")  # focus by keyboard, so that :focus-visible applies
    outline = toggle.evaluate(
        "el => getComputedStyle(el).outlineWidth + ' ' + getComputedStyle(el).outlineStyle"
    )
    assert outline == "3px solid"


# The admin pages the portal customises ------------------------------------------------------


def test_the_admins_client_pages_have_no_serious_accessibility_violation(
    browser, browser_context_args, live_server, client, staff_user, shops, screenshot_dir
):
    sign_in_staff(client, staff_user)
    context = browser.new_context(
        **{**browser_context_args, "viewport": DESKTOP, "bypass_csp": True}
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    found = {}
    pending = shops[Status.PENDING]
    for name, path in [
        ("admin-clientes", reverse("admin:clients_client_changelist")),
        ("admin-pendentes", reverse("admin:clients_client_changelist") + "?status=pendente"),
        ("admin-cliente", reverse("admin:clients_client_change", args=[pending.pk])),
        ("admin-link", reverse("admin:clients_client_change", args=[shops["link"].pk])),
    ]:
        page.goto(live_server.url + path)
        page.screenshot(path=f"{screenshot_dir}/a11y-{name}.png", full_page=True)
        if violations := serious_violations(page):
            found[name] = violations
    context.close()
    assert not found, "\n".join(f"{name}: {v}" for name, vs in found.items() for v in vs)


def assert_fits_its_box(table):
    """The table is no wider than the box it scrolls in: nothing hides to the right."""
    sizes = table.evaluate(
        "t => [t.scrollWidth, t.parentElement.scrollWidth, t.parentElement.clientWidth]"
    )
    assert max(sizes[:2]) <= sizes[2], f"{sizes[:2]} px numa caixa de {sizes[2]} px"


def test_on_a_phone_each_extrato_entry_reads_without_scrolling_sideways(
    live_server, open_context, shops, screenshot_dir
):
    """At 390 px the extrato's table fits its box (no inner sideways scroll), and each row
    shows what the wide columns say on a desktop: the balance after and the client."""
    page = open_context(PHONE).new_page()
    page.goto(live_server.url + reverse("clients:credit"))
    page.screenshot(path=f"{screenshot_dir}/phone-credito-390.png", full_page=True)
    table = page.locator(".credit-table")
    assert_fits_its_box(table)
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(2)  # the credit added, then the renewal paid from it
    renewal, added = rows.all()
    for row, balance in ((renewal, "R$ 1.184,66"), (added, "R$ 1.234,56")):
        expect(row).to_contain_text(f"Saldo depois: {balance}")
        box = row.get_by_text(f"Saldo depois: {balance}").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    expect(renewal.get_by_role("link", name="Mercearia Renovada")).to_be_visible()
    expect(renewal.get_by_role("link", name="Ver no histórico")).to_be_visible()
    expect(added).to_contain_text("Cliente: —")
