"""Minha conta: the menu with the user's name, name and e-mail (a new address confirmed by
e-mail: tests/security/test_email_change.py), and changing one's password (after a fresh
confirmation; the user's other sessions end)."""

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


def test_it_saves_the_name(client_a, partner_a_user):
    response = client_a.post(
        reverse("accounts:account"),
        {"first_name": "Ana", "last_name": "Lima", "email": "ana@alfa.example.com"},
    )
    assert response.url == reverse("accounts:account")
    partner_a_user.refresh_from_db()
    # The e-mail address is not changed here: only by its own page, confirmed by e-mail.
    assert (partner_a_user.get_full_name(), partner_a_user.email) == ("Ana Lima", "")


def test_changing_the_password_needs_a_fresh_confirmation(client_a, partner_a_user):
    session = client_a.session
    session["_sudo_until"] = 0
    session.save()
    response = client_a.get(reverse("accounts:password"))
    assert response.url == reverse("confirm-identity") + "?next=%2Fconta%2Fsenha%2F"
    page = client_a.post(response.url, {"password": "errada"})
    assert "Senha incorreta." in page.text
    response = client_a.post(response.url, {"password": PASSWORD})
    assert response.url == reverse("accounts:password")
    response = client_a.post(
        reverse("accounts:password"), {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.url == reverse("accounts:account")
    partner_a_user.refresh_from_db()
    assert partner_a_user.check_password(NEW)


def test_a_weak_new_password_is_refused_in_portuguese(client_a, partner_a_user):
    response = client_a.post(
        reverse("accounts:password"),
        {"new_password1": "ana", "new_password2": "ana"},
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
        reverse("accounts:password"), {"new_password1": NEW, "new_password2": NEW}
    )
    assert response.url == reverse("accounts:account")
    assert client.get(reverse("clients:list")).status_code == 200
    assert other.get(reverse("clients:list")).url.startswith(reverse("login"))
    assert TeamEvent.objects.get().action == "senha"
