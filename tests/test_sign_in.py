"""Sign-in by user name or by e-mail address, with the lockout counting either way."""

import logging

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def _sign_in(client, username, password=PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_it_signs_in_by_user_name(client, partner_a, make_member):
    make_member(partner_a, "otto")
    response = _sign_in(client, "otto")
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_it_signs_in_by_email_address_in_any_case(client, partner_a, make_member):
    user = make_member(partner_a, "otto", email="Otto@Alfa.example.com")
    response = _sign_in(client, "otto@ALFA.example.com")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_an_email_address_of_two_users_signs_in_nobody(client, partner_a, make_member):
    make_member(partner_a, "otto", email="mesmo@alfa.example.com")
    make_member(partner_a, "olga", email="mesmo@alfa.example.com")
    response = _sign_in(client, "mesmo@alfa.example.com")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_signing_in_leads_to_inicio(client, partner_a_user):
    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert '<h1 class="h3 mb-0">Início</h1>' in response.text
    assert "Revenda Alfa" in response.text


def test_a_wrong_password_by_email_address_signs_in_nobody(client, partner_a, make_member):
    make_member(partner_a, "otto")
    response = _sign_in(client, "otto@alfa.example.com", "errada")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_a_deactivated_user_cannot_sign_in_by_email(client, partner_a, make_member):
    user = make_member(partner_a, "otto")
    user.is_active = False
    user.save()
    response = _sign_in(client, "otto@alfa.example.com")
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_failures_by_email_address_lock_it_out(client, partner_a, make_member, settings):
    settings.AXES_FAILURE_LIMIT = 2
    make_member(partner_a, "otto")
    _sign_in(client, "otto@alfa.example.com", "errada")
    _sign_in(client, "otto@alfa.example.com", "errada")
    response = _sign_in(client, "otto@alfa.example.com")
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_the_sign_in_page_offers_a_password_reset(client, db):
    page = client.get(reverse("login")).text
    assert "Usuário ou e-mail" in page
    assert f'href="{reverse("password_reset")}"' in page and "Esqueci minha senha" in page


@pytest.mark.parametrize("name", ["clients:list", "clients:new", "clients:detail"])
def test_staff_opening_a_partner_page_is_sent_to_the_admin_with_a_message(
    admin_client_, partner_a, make_client, name
):
    args = [make_client(partner_a).pk] if name == "clients:detail" else []
    response = admin_client_.get(reverse(name, args=args), follow=True)
    assert response.redirect_chain == [(reverse("admin:index"), 302)]
    assert "As páginas do portal são dos parceiros" in response.text


def test_each_partner_sees_only_its_own_clients(
    client, partner_a, partner_b, partner_a_user, partner_b_user, make_client
):
    make_client(partner_a, name="Mercado da Alfa")
    make_client(partner_b, name="Padaria da Beta")
    client.force_login(partner_a_user)
    page = client.get(reverse("clients:list")).text
    assert "Mercado da Alfa" in page and "Padaria da Beta" not in page
    client.force_login(partner_b_user)
    page = client.get(reverse("clients:list")).text
    assert "Padaria da Beta" in page and "Mercado da Alfa" not in page


@pytest.mark.browser
def test_a_partner_signs_in_with_a_real_browser(
    live_server, page, partner_a, partner_a_user, make_client, screenshot_dir
):
    make_client(partner_a, name="Mercado Bom Preço")
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("Usuário").fill("ana")
    page.get_by_label("Senha").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(live_server.url + reverse("home"))
    assert page.get_by_role("heading", name="Início").is_visible()
    page.get_by_role("link", name="Clientes", exact=True).click()
    assert page.get_by_role("heading", name="Clientes", exact=True).is_visible()
    assert page.get_by_text("Mercado Bom Preço").is_visible()
    page.screenshot(path=f"{screenshot_dir}/sign-in-clients.png", full_page=True)


def test_one_time_link_tokens_are_not_logged(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.get(reverse("invitation", args=["segredo-do-convite"]))
        client.get(reverse("password_reset_confirm", args=["MQ", "segredo-da-senha"]))
    paths = [r.path for r in caplog.records if r.name == "portal.request"]
    assert paths == ["/convite/***/", "/senha/nova/***/***/"]
