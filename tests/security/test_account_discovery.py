"""Nothing tells who has an account: sign-in and the invitation page cost one password hash
whatever the name; invitations, Minha conta and password reset answer alike."""

import re

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.cache import cache
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import RequestFactory
from django.urls import reverse

from accounts.views import PasswordResetView
from partners.models import Invitation, Role
from tests.conftest import PASSWORD


class CountingHasher(PBKDF2PasswordHasher):
    """Django's default hasher, counting its key derivations (the cost of an attempt)."""

    runs = 0

    def encode(self, password, salt, iterations=None):
        CountingHasher.runs += 1
        return super().encode(password, salt, iterations)


@pytest.fixture
def hashes(settings):
    settings.PASSWORD_HASHERS = ["tests.security.test_account_discovery.CountingHasher"]

    def during(action):
        CountingHasher.runs = 0
        action()
        return CountingHasher.runs

    return during


@pytest.fixture
def otto(partner_a, make_member):
    return make_member(partner_a, "otto", email="otto@alfa.example.com")


@pytest.mark.parametrize(
    "typed",
    ["otto", "OTTO", "otto@alfa.example.com", "ninguem", "ninguem@alfa.example.com"],
)
def test_a_failed_sign_in_costs_one_hash_whoever_it_names(client, otto, hashes, typed):
    def sign_in():
        response = client.post(reverse("login"), {"username": typed, "password": "errada"})
        assert response.status_code == 200

    assert hashes(sign_in) == 1


def test_the_invitations_existing_account_form_costs_one_hash_whoever_it_names(
    client, partner_a, partner_a_user, otto, hashes, mailoutbox
):
    client.force_login(partner_a_user)
    client.post(reverse("accounts:invite"), {"email": "nova@alfa.example.com", "role": "operador"})
    client.logout()
    link = re.search(r"(/convite/\S+/)", mailoutbox[-1].body).group(1)
    answers = {}
    for name in ("otto", "ninguem"):

        def attempt(name=name):
            data = {"mode": "existing", "username": name, "password": "errada"}
            answers[name] = client.post(link, data).text

        assert hashes(attempt) == 1
    errors = {
        name: re.findall(r'class="alert[^"]*"[^>]*>([^<]+)<', text)
        for name, text in answers.items()
    }
    assert errors["otto"] == errors["ninguem"] and errors["otto"]


@pytest.mark.parametrize("where", ["other-partner", "staff", "nobody"])
def test_an_invitation_to_any_address_is_accepted_alike(
    client_a, partner_b, make_member, django_user_model, mailoutbox, where
):
    email = "pessoa@exemplo.com.br"
    if where == "other-partner":
        make_member(partner_b, "bia", email=email)
    elif where == "staff":
        django_user_model.objects.create_user("suporte", email=email, is_staff=True)
    response = client_a.post(
        reverse("accounts:invite"), {"email": email, "role": Role.OPERATOR}, follow=True
    )
    assert response.redirect_chain == [(reverse("accounts:team"), 302)]
    assert f"Convite enviado para {email}" in response.text
    assert Invitation.objects.filter(email=email).exists() and len(mailoutbox) == 1


def test_a_password_reset_answers_before_any_email_is_sent(otto, db, mailoutbox):
    """The answer leaves as fast for an address with an account as for one without: its
    e-mail is sent only once the response has been written (when the server closes it)."""
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    cache.clear()  # the reset requests' counts (the shared cache outlives the tests)
    answers = []
    for email in ("otto@alfa.example.com", "ninguem@alfa.example.com"):
        request = RequestFactory().post(reverse("password_reset"), {"email": email})
        request._dont_enforce_csrf_checks = True
        request.session = SessionStore()
        request._messages = FallbackStorage(request)
        sent_before = len(mailoutbox)
        response = PasswordResetView.as_view()(request)
        answers.append((response.status_code, response.url, len(mailoutbox) - sent_before))
        # What the WSGI server does once the answer is written (as Django's test client does,
        # without closing the test's database connection).
        request_finished.disconnect(close_old_connections)
        try:
            response.close()
        finally:
            request_finished.connect(close_old_connections)
    assert answers == [
        (302, reverse("password_reset_done"), 0),
        (302, reverse("password_reset_done"), 0),
    ]
    assert [message.to for message in mailoutbox] == [["otto@alfa.example.com"]]


def test_signing_in_by_email_still_works_in_any_case(client, otto):
    response = client.post(
        reverse("login"), {"username": "OTTO@alfa.example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
