"""Partner accounts in a real browser: a forgotten password reset from the e-mail, a member
invited who accepts and signs in, and two-factor sign-in set up with a code computed from the
secret the page shows."""

import base64
import re
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from partners.models import PartnerUser, Role
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NEW = "Senha-nova-do-navegador-2026"


def _link(message, path):
    return re.search(rf"https?://\S+({path}\S+)", message.body).group(1)


def sign_in(page, live_server, username="ana", password=PASSWORD):
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Usuário ou e-mail").fill(username)
    page.get_by_label("Senha").fill(password)
    page.get_by_role("button", name="Entrar").click()


def open_user_menu(page, item):
    page.locator("#user-menu").click()
    page.get_by_role("link", name=item, exact=True).click()


def test_a_forgotten_password_is_reset_from_the_email(
    live_server, page, partner_a, make_member, mailoutbox, screenshot_dir
):
    make_member(partner_a, "otto", email="otto@alfa.example.com")
    page.goto(live_server.url + reverse("login"))
    page.get_by_role("link", name="Esqueci minha senha").click()
    page.get_by_label("E-mail").fill("otto@alfa.example.com")
    page.screenshot(path=f"{screenshot_dir}/accounts-reset-ask.png", full_page=True)
    page.get_by_role("button", name="Enviar link").click()
    expect(page.get_by_role("heading", name="Verifique seu e-mail")).to_be_visible()

    (message,) = mailoutbox
    page.goto(live_server.url + _link(message, "/senha/nova/"))
    expect(page.get_by_role("heading", name="Crie uma nova senha")).to_be_visible()
    page.get_by_label(re.compile(r"^\s*Nova senha")).fill(NEW)
    page.get_by_label("Confirmação da nova senha").fill(NEW)
    page.screenshot(path=f"{screenshot_dir}/accounts-reset-new.png", full_page=True)
    page.get_by_role("button", name="Salvar nova senha").click()
    expect(page.get_by_role("heading", name="Senha alterada")).to_be_visible()

    page.get_by_role("link", name="Entrar").click()
    sign_in(page, live_server, "otto@alfa.example.com", NEW)  # by e-mail, too
    page.wait_for_url(on_inicio)


def test_an_administrator_invites_a_member_who_accepts_and_signs_in(
    live_server, page, browser, partner_a, partner_a_user, mailoutbox, screenshot_dir
):
    sign_in(page, live_server)
    page.wait_for_url(on_inicio)
    open_user_menu(page, "Equipe")
    page.get_by_role("link", name="Convidar membro").click()
    page.get_by_label("E-mail").fill("olga@alfa.example.com")
    page.get_by_label("Perfil").select_option(Role.OPERATOR)
    page.get_by_role("button", name="Enviar convite").click()
    expect(page.get_by_role("alert")).to_contain_text("Convite enviado para olga@alfa.example.com")
    expect(page.locator(".invitation-row")).to_contain_text("convite pendente")
    page.screenshot(path=f"{screenshot_dir}/accounts-team.png", full_page=True)

    (message,) = mailoutbox
    invitee = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo").new_page()
    invitee.goto(live_server.url + _link(message, "/convite/"))
    expect(invitee.get_by_role("heading", name="Entrar na equipe de Revenda Alfa")).to_be_visible()
    new_account = invitee.locator("form").first  # the other one (an existing account) is folded
    new_account.get_by_label(re.compile(r"^\s*Nome\b(?! de)")).fill("Olga")
    new_account.get_by_label("Nome de usuário").fill("olga")
    new_account.get_by_label(re.compile(r"^\s*Senha")).fill(NEW)
    new_account.get_by_label("Confirme a senha").fill(NEW)
    invitee.screenshot(path=f"{screenshot_dir}/accounts-invitation.png", full_page=True)
    invitee.get_by_role("button", name="Criar conta e entrar").click()
    invitee.wait_for_url(on_inicio)
    expect(invitee.get_by_role("alert")).to_contain_text("Bem-vindo à equipe de Revenda Alfa")
    assert PartnerUser.objects.get(user__username="olga").role == Role.OPERATOR

    # Signed out, she signs in with what she chose.
    invitee.locator("#user-menu").click()
    invitee.get_by_role("button", name="Sair").click()
    sign_in(invitee, live_server, "olga", NEW)
    invitee.wait_for_url(on_inicio)
    expect(invitee.locator("#user-menu")).to_contain_text("Olga")

    page.reload()
    expect(page.locator(".team-table")).to_contain_text("olga@alfa.example.com")
    expect(page.locator(".team-history")).to_contain_text("Entrou na equipe")


def test_a_member_sets_up_two_factor_sign_in(
    live_server, page, partner_a, partner_a_user, screenshot_dir
):
    sign_in(page, live_server)
    page.wait_for_url(on_inicio)
    open_user_menu(page, "Verificação em duas etapas")
    expect(page.locator(".qr-code svg")).to_be_visible()
    secret = base64.b32decode(page.locator("#two-factor-secret").inner_text())
    page.screenshot(path=f"{screenshot_dir}/accounts-two-factor-setup.png", full_page=True)
    page.get_by_label("Código").fill(f"{totp(secret):06d}")
    page.get_by_role("button", name="Ativar").click()
    expect(page.get_by_role("heading", name="Verificação em duas etapas ativada")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.screenshot(path=f"{screenshot_dir}/accounts-two-factor-codes.png", full_page=True)

    page.get_by_role("link", name="Já guardei, continuar").click()
    page.locator("#user-menu").click()
    page.get_by_role("button", name="Sair").click()
    sign_in(page, live_server)
    expect(page.get_by_role("heading", name="Verificação em duas etapas")).to_be_visible()
    # The code just used is spent; the next step's is accepted (one step of tolerance).
    page.get_by_label("Código").fill(f"{totp(secret, drift=1):06d}")
    page.get_by_role("button", name="Verificar").click()
    page.wait_for_url(on_inicio)


def on_inicio(url: str) -> bool:
    """The start page after signing in (Início, `/`)."""
    return urlsplit(url).path == reverse("home")
