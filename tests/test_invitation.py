"""Accepting an invitation: a new account with the invitation's role, or an existing account
of the same partner; the link works once and for 72 hours; a bad link says so."""

import datetime
import re

import time_machine
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from partners.models import Invitation, PartnerUser, Role, TeamEvent
from tests.conftest import PASSWORD

User = get_user_model()
STRONG = "Senha-do-convidado-2026"


def _new(username="nova", password=STRONG, confirm=None, **extra):
    return {
        "mode": "new",
        "first_name": "Nara",
        "last_name": "Souza",
        "username": username,
        "password1": password,
        "password2": confirm or password,
        **extra,
    }


def _invited(client_a, email="nara@alfa.example.com", role=Role.OPERATOR, mailoutbox=None):
    client_a.post(reverse("accounts:invite"), {"email": email, "role": role})
    client_a.logout()
    return re.search(r"https?://[^/\s]+(/convite/\S+/)", mailoutbox[-1].body).group(1)


def test_the_invitee_chooses_a_user_name_and_password_and_joins_signed_in(
    client_a, client, partner_a, mailoutbox
):
    link = _invited(client_a, role=Role.OPERATOR, mailoutbox=mailoutbox)
    page = client.get(link)
    assert "Entrar na equipe de Revenda Alfa" in page.text and "Operador" in page.text
    response = client.post(link, _new())
    assert response.url == reverse("home")
    user = User.objects.get(username="nova")
    assert (user.email, user.get_full_name(), user.check_password(STRONG)) == (
        "nara@alfa.example.com",
        "Nara Souza",
        True,
    )
    member = PartnerUser.objects.get(user=user)
    assert (member.partner, member.role) == (partner_a, Role.OPERATOR)
    assert client.get(reverse("clients:list")).status_code == 200  # signed in
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.accepted_at
    assert TeamEvent.objects.filter(action="entrar-na-equipe", actor=user).exists()


def test_the_link_works_once(client_a, client, partner_a, mailoutbox):
    link = _invited(client_a, mailoutbox=mailoutbox)
    client.post(link, _new())
    client.logout()
    page = client.post(link, _new(username="outra"))
    assert page.status_code == 404 and "Convite inválido" in page.text
    assert not User.objects.filter(username="outra").exists()


def test_the_link_expires_after_72_hours(client_a, client, partner_a, mailoutbox):
    link = _invited(client_a, mailoutbox=mailoutbox)
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=72, seconds=1)):
        page = client.post(link, _new())
    assert page.status_code == 404 and "Convite inválido" in page.text
    assert not User.objects.filter(username="nova").exists()


def test_a_tampered_link_is_refused(client, db):
    page = client.get(reverse("invitation", args=["nao-e-um-convite"]))
    assert page.status_code == 404 and "Convite inválido" in page.text


def test_a_taken_user_name_and_a_weak_password_are_refused(client_a, client, partner_a, mailoutbox):
    link = _invited(client_a, mailoutbox=mailoutbox)
    page = client.post(link, _new(username="ANA"))
    assert "Este nome de usuário não está disponível" in page.text
    page = client.post(link, _new(password="12345678"))
    assert "Esta senha é muito comum." in page.text
    page = client.post(link, _new(password="souza2026"))
    assert "A senha é muito parecida com" in page.text
    page = client.post(link, _new(confirm="Outra-coisa-2026"))
    assert "As duas senhas não são iguais." in page.text
    assert not User.objects.filter(username="nova").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_deactivated_member_accepts_with_their_own_account(
    client_a, client, partner_a, make_member, mailoutbox
):
    old = make_member(partner_a, "gil", role=Role.VIEWER, is_active=False)
    link = _invited(client_a, email=old.email, role=Role.OPERATOR, mailoutbox=mailoutbox)
    response = client.post(link, {"mode": "existing", "username": "gil", "password": PASSWORD})
    assert response.url == reverse("login")
    old.refresh_from_db()
    assert old.is_active and PartnerUser.objects.get(user=old).role == Role.OPERATOR


def test_an_account_of_another_partner_cannot_take_the_invitation(
    client_a, client, partner_a, partner_b, make_member, mailoutbox
):
    make_member(partner_b, "bia")
    link = _invited(client_a, mailoutbox=mailoutbox)
    page = client.post(link, {"mode": "existing", "username": "bia", "password": PASSWORD})
    assert "Esta conta não é da equipe de Revenda Alfa" in page.text
    assert PartnerUser.objects.get(user__username="bia").partner == partner_b
    assert Invitation.objects.get().accepted_at is None


def test_a_wrong_password_for_an_existing_account_counts_for_the_lockout(
    client_a, client, partner_a, make_member, mailoutbox, settings
):
    settings.AXES_FAILURE_LIMIT = 2
    make_member(partner_a, "gil", is_active=False)
    link = _invited(client_a, mailoutbox=mailoutbox)
    wrong = {"mode": "existing", "username": "gil", "password": "errada"}
    assert "Usuário ou senha incorretos." in client.post(link, wrong).text
    client.post(link, wrong)
    right = {"mode": "existing", "username": "gil", "password": PASSWORD}
    assert client.post(link, right).status_code == 429
    assert Invitation.objects.get().accepted_at is None


def test_a_former_member_is_asked_to_use_their_account_not_a_new_one(
    client_a, client, partner_a, make_member, mailoutbox
):
    old = make_member(partner_a, "gil", is_active=False)
    link = _invited(client_a, email=old.email, mailoutbox=mailoutbox)
    page = client.post(link, _new())
    assert "Já há uma conta da equipe com este e-mail" in page.text
    assert not User.objects.filter(username="nova").exists()
    assert Invitation.objects.get().accepted_at is None
