"""Esqueci minha senha: a one-time link by e-mail, the same answer for every address,
requests limited per address and per client address, and the link expires."""

import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from partners.models import TeamEvent
from tests.conftest import PASSWORD

NEW = "Outra-senha-forte-2026"


@pytest.fixture(autouse=True)
def _no_earlier_requests(db):
    """The request counts live in the shared cache; the database cache's table outlives the
    browser tests' flush (it is no model), so start from an empty cache here."""
    cache.clear()


def _ask(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/senha/nova/\S+)", message.body).group(1)


def _set(client, link, password=NEW, confirm=None):
    page = client.get(link, follow=True)  # Django swaps the token for a session key
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else link
    response = client.post(
        form_url, {"new_password1": password, "new_password2": confirm or password}
    )
    return page, response


def test_it_emails_a_link_that_sets_a_new_password_once(client, partner_a, make_member, mailoutbox):
    user = make_member(partner_a, "otto")
    response = _ask(client, "otto@alfa.example.com")
    assert response.url == reverse("password_reset_done")
    (message,) = mailoutbox
    assert message.to == ["otto@alfa.example.com"]
    assert message.subject == "Portal do Parceiro: crie uma nova senha"
    assert "Seu usuário: otto" in message.body and "1 hora" in message.body

    page, response = _set(client, _link(message))
    assert "Crie uma nova senha" in page.text
    assert response.url == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert TeamEvent.objects.get().action == "senha"
    # Used once: the same link is now refused, with a way to ask for another.
    client.logout()
    page = client.get(_link(message), follow=True)
    assert "Link inválido" in page.text and reverse("password_reset") in page.text


def test_the_answer_is_the_same_for_an_unknown_address(client, db, mailoutbox):
    response = _ask(client, "ninguem@example.com")
    assert response.url == reverse("password_reset_done")
    assert mailoutbox == []
    assert "Se houver uma conta com esse e-mail" in client.get(response.url).text


def test_the_link_expires(client, partner_a, make_member, mailoutbox, settings):
    user = make_member(partner_a, "otto")
    _ask(client, "otto@alfa.example.com")
    with time_machine.travel(timezone.now() + timezone.timedelta(seconds=3601)):
        page, _ = _set(client, _link(mailoutbox[0]))
    assert "Link inválido" in page.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_tampered_link_is_refused(client, partner_a, make_member, mailoutbox):
    make_member(partner_a, "otto")
    _ask(client, "otto@alfa.example.com")
    link = _link(mailoutbox[0])
    page = client.get(link[:-3] + "xx/", follow=True)
    assert "Link inválido" in page.text


def test_a_weak_password_is_refused_in_portuguese(client, partner_a, make_member, mailoutbox):
    user = make_member(partner_a, "otto")
    _ask(client, "otto@alfa.example.com")
    _, response = _set(client, _link(mailoutbox[0]), password="12345678")
    assert response.status_code == 200
    assert "Esta senha é muito comum." in response.text
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_requests_for_one_address_are_limited_without_saying_so(
    client, partner_a, make_member, mailoutbox, settings
):
    settings.PASSWORD_RESET_MAX_PER_EMAIL = 2
    make_member(partner_a, "otto")
    for _ in range(3):
        response = _ask(client, "otto@alfa.example.com")
        assert response.url == reverse("password_reset_done")
    assert len(mailoutbox) == 2


def test_requests_from_one_client_address_are_limited(client, db, settings, mailoutbox):
    settings.PASSWORD_RESET_MAX_PER_ADDRESS = 2
    for number in range(2):
        assert _ask(client, f"a{number}@example.com").status_code == 302
    response = _ask(client, "outro@example.com")
    assert response.status_code == 429
    assert "Muitos pedidos de nova senha deste endereço" in response.text
    # Another client address is not limited.
    assert _ask(client, "outro@example.com", REMOTE_ADDR="203.0.113.9").status_code == 302


def test_a_user_without_a_partner_or_inactive_gets_no_email(client, db, mailoutbox):
    get_user_model().objects.create_user("ex", email="ex@example.com", is_active=False)
    _ask(client, "ex@example.com")
    assert mailoutbox == []
