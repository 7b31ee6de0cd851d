"""Sign-in by user name or by e-mail address, with the lockout counting either way."""

import logging

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


def test_one_time_link_tokens_are_not_logged(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="portal.request"):
        client.get(reverse("invitation", args=["segredo-do-convite"]))
        client.get(reverse("password_reset_confirm", args=["MQ", "segredo-da-senha"]))
    paths = [r.path for r in caplog.records if r.name == "portal.request"]
    assert paths == ["/convite/***/", "/senha/nova/***/***/"]
