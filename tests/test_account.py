"""Minha conta: the menu with the user's name, name and e-mail, and changing one's password
(the current one required; the user's other sessions end)."""

from django.test import Client as HttpClient
from django.urls import reverse

from partners.models import TeamEvent
from tests.conftest import PASSWORD

NEW = "Outra-senha-forte-2026"


def test_the_menu_shows_the_users_name_and_its_pages(client_a, partner_a_user):
    partner_a_user.first_name = "Ana"
    partner_a_user.save()
    page = client_a.get(reverse("clients:list")).text
    assert "Ana" in page and "Revenda Alfa" in page
    for name in ("accounts:account", "accounts:two-factor", "accounts:team"):
        assert f'href="{reverse(name)}"' in page, name


def test_it_saves_name_and_email(client_a, partner_a_user):
    response = client_a.post(
        reverse("accounts:account"),
        {"first_name": "Ana", "last_name": "Lima", "email": "ana@alfa.example.com"},
    )
    assert response.url == reverse("accounts:account")
    partner_a_user.refresh_from_db()
    assert (partner_a_user.get_full_name(), partner_a_user.email) == (
        "Ana Lima",
        "ana@alfa.example.com",
    )


def test_an_email_of_another_user_is_refused(client_a, partner_a_user, partner_b, make_member):
    make_member(partner_b, "bia", email="bia@beta.example.com")
    response = client_a.post(
        reverse("accounts:account"), {"first_name": "Ana", "email": "BIA@beta.example.com"}
    )
    assert "Este e-mail não pode ser usado: escolha outro." in response.text
    partner_a_user.refresh_from_db()
    assert partner_a_user.email == ""


def test_changing_the_password_needs_the_current_one(client_a, partner_a_user):
    response = client_a.post(
        reverse("accounts:password"),
        {"old_password": "errada", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "A senha antiga foi digitada incorretamente" in response.text
    partner_a_user.refresh_from_db()
    assert partner_a_user.check_password(PASSWORD)


def test_a_weak_new_password_is_refused_in_portuguese(client_a, partner_a_user):
    response = client_a.post(
        reverse("accounts:password"),
        {"old_password": PASSWORD, "new_password1": "ana", "new_password2": "ana"},
    )
    assert "Esta senha é muito curta." in response.text
    partner_a_user.refresh_from_db()
    assert partner_a_user.check_password(PASSWORD)


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(client, partner_a_user):
    other = HttpClient()
    for http in (client, other):
        http.post(reverse("login"), {"username": "ana", "password": PASSWORD})
        assert http.get(reverse("clients:list")).status_code == 200
    response = client.post(
        reverse("accounts:password"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.url == reverse("accounts:account")
    assert client.get(reverse("clients:list")).status_code == 200
    assert other.get(reverse("clients:list")).url.startswith(reverse("login"))
    assert TeamEvent.objects.get().action == "senha"
