import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


def test_the_sign_in_page_speaks_portuguese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Entrar" in response.text
    assert "Senha" in response.text
    assert '<html lang="pt-BR">' in response.text


def test_anonymous_users_are_sent_to_sign_in(client, db):
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_wrong_password_shows_a_ptbr_error_and_signs_nobody_in(client, partner_a_user):
    response = client.post(reverse("login"), {"username": "ana", "password": "errada"})
    assert response.status_code == 200
    assert "Por favor, entre com um usuário  e senha corretos." in response.text
    assert "_auth_user_id" not in client.session


def test_signing_in_leads_to_inicio(client, partner_a_user):
    response = client.post(reverse("login"), {"username": "ana", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert '<h1 class="h3 mb-0">Início</h1>' in response.text
    assert "Revenda Alfa" in response.text


def test_signing_out_needs_a_post_and_ends_the_session(client_a):
    assert client_a.get(reverse("logout")).status_code == 405
    client_a.post(reverse("logout"))
    assert "_auth_user_id" not in client_a.session


def test_a_user_without_partner_is_refused(client, db):
    from django.contrib.auth import get_user_model

    loose = get_user_model().objects.create_user(username="solto", password=PASSWORD)
    client.force_login(loose)
    assert client.get(reverse("clients:list")).status_code == 403


def test_staff_without_partner_goes_to_the_admin(admin_client_):
    response = admin_client_.get(reverse("home"))
    assert response.url == reverse("admin:index")


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
