"""Equipe: members, invitations, roles, deactivation, the last Administrador, the history."""

import re

from django.test import Client as HttpClient
from django.urls import reverse

from partners.models import Invitation, PartnerUser, Role, TeamEvent
from tests.conftest import PASSWORD


def _invite(http, email, role=Role.OPERATOR):
    return http.post(reverse("accounts:invite"), {"email": email, "role": role})


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/convite/\S+/)", message.body).group(1)


def _member(user):
    return PartnerUser.objects.get(user=user)


def test_the_team_page_lists_members_and_pending_invitations(
    client_a, partner_a, partner_a_user, make_member, mailoutbox
):
    make_member(partner_a, "otto", role=Role.OPERATOR, first_name="Otto")
    gone = make_member(partner_a, "gil", role=Role.VIEWER, is_active=False)
    _invite(client_a, "nova@alfa.example.com", Role.VIEWER)
    page = client_a.get(reverse("accounts:team")).text
    assert "Otto" in page and "otto@alfa.example.com" in page
    assert gone.email in page and "desativado" in page
    assert "nova@alfa.example.com" in page and "convite pendente" in page
    assert "Convite enviado" in page  # the history
    assert "nunca" in page  # last sign-in of a member who never signed in


def test_an_invitation_is_emailed_with_a_link_valid_for_72_hours(
    client_a, partner_a, partner_a_user, mailoutbox
):
    response = _invite(client_a, "Nova@Alfa.example.com", Role.VIEWER)
    assert response.url == reverse("accounts:team")
    invitation = Invitation.objects.get()
    assert (invitation.partner, invitation.role, invitation.invited_by) == (
        partner_a,
        Role.VIEWER,
        partner_a_user,
    )
    assert round((invitation.expires_at - invitation.created_at).total_seconds()) == 72 * 3600
    (message,) = mailoutbox
    assert message.to == ["Nova@alfa.example.com"]
    assert "Revenda Alfa" in message.subject
    assert "perfil Consulta" in message.body and "72 horas" in message.body
    # Only a digest of the token is stored.
    token = _link(message).split("/")[-2]
    assert token not in invitation.token_digest
    event = TeamEvent.objects.get()
    assert (event.action, event.actor, event.subject) == (
        "convidar",
        partner_a_user,
        "Nova@alfa.example.com",
    )


def test_an_address_in_another_partners_team_is_invited_and_told_what_to_do(
    client_a, partner_b, make_member, mailoutbox
):
    make_member(partner_b, "bia", email="bia@beta.example.com")
    response = _invite(client_a, "BIA@beta.example.com")
    assert response.url == reverse("accounts:team")
    assert Invitation.objects.get().email == "BIA@beta.example.com"
    (message,) = mailoutbox
    assert "Este endereço já tem uma conta no Portal do Parceiro" in message.body
    assert "escolha um nome de usuário novo" in message.body


def test_an_active_member_and_a_pending_invitation_are_refused(
    client_a, partner_a, make_member, mailoutbox
):
    make_member(partner_a, "otto")
    assert "já é de um membro ativo" in _invite(client_a, "otto@alfa.example.com").text
    _invite(client_a, "nova@alfa.example.com")
    assert "Já há um convite pendente" in _invite(client_a, "nova@alfa.example.com").text
    assert Invitation.objects.count() == 1 and len(mailoutbox) == 1


def test_a_bad_address_is_a_form_error(client_a, db):
    response = _invite(client_a, "não é e-mail")
    assert "Informe um endereço de email válido." in response.text
    assert not Invitation.objects.exists()


def test_resending_makes_a_new_link_and_the_old_one_stops_working(
    client_a, client, partner_a, mailoutbox
):
    _invite(client_a, "nova@alfa.example.com")
    invitation = Invitation.objects.get()
    response = client_a.post(reverse("accounts:invitation-resend", args=[invitation.pk]))
    assert response.url == reverse("accounts:team")
    first, second = mailoutbox
    assert _link(first) != _link(second)
    anonymous = HttpClient()
    assert anonymous.get(_link(first)).status_code == 404
    assert anonymous.get(_link(second)).status_code == 200
    assert [e.action for e in TeamEvent.objects.order_by("id")] == ["convidar", "reenviar-convite"]


def test_a_cancelled_invitation_link_offers_to_ask_for_a_new_one(client_a, partner_a, mailoutbox):
    _invite(client_a, "nova@alfa.example.com")
    invitation = Invitation.objects.get()
    client_a.post(reverse("accounts:invitation-cancel", args=[invitation.pk]))
    page = HttpClient().get(_link(mailoutbox[0]))
    assert page.status_code == 404
    assert "Convite inválido" in page.text and "reenvie o convite" in page.text
    # Cancelled twice: refused, and nothing more is recorded.
    response = client_a.post(
        reverse("accounts:invitation-cancel", args=[invitation.pk]), follow=True
    )
    assert "não está mais pendente" in response.text
    assert TeamEvent.objects.filter(action="cancelar-convite").count() == 1


def test_an_administrator_changes_a_members_role(client_a, partner_a, make_member):
    otto = _member(make_member(partner_a, "otto", role=Role.OPERATOR))
    response = client_a.post(
        reverse("accounts:member-role", args=[otto.pk]), {f"m{otto.pk}-role": Role.VIEWER}
    )
    assert response.url == reverse("accounts:team")
    otto.refresh_from_db()
    assert otto.role == Role.VIEWER
    event = TeamEvent.objects.get()
    assert (event.action, event.details) == ("perfil", "Operador → Consulta")


def test_an_unknown_role_is_refused(client_a, partner_a, make_member):
    otto = _member(make_member(partner_a, "otto", role=Role.OPERATOR))
    client_a.post(reverse("accounts:member-role", args=[otto.pk]), {f"m{otto.pk}-role": "chefe"})
    otto.refresh_from_db()
    assert otto.role == Role.OPERATOR and not TeamEvent.objects.exists()


def test_the_last_active_administrator_cannot_be_demoted_nor_deactivated(
    client_a, partner_a_user, partner_a, make_member
):
    ana = _member(partner_a_user)
    make_member(partner_a, "ex-admin", role=Role.ADMIN, is_active=False)  # does not count
    response = client_a.post(
        reverse("accounts:member-role", args=[ana.pk]),
        {f"m{ana.pk}-role": Role.OPERATOR},
        follow=True,
    )
    assert "é o último Administrador ativo da equipe" in response.text
    response = client_a.post(reverse("accounts:member-deactivate", args=[ana.pk]), follow=True)
    assert "é o último Administrador ativo da equipe" in response.text
    ana.refresh_from_db()
    partner_a_user.refresh_from_db()
    assert ana.role == Role.ADMIN and partner_a_user.is_active
    assert not TeamEvent.objects.exists()


def test_with_two_administrators_one_may_step_down(
    client_a, partner_a_user, partner_a, make_member
):
    make_member(partner_a, "alice", role=Role.ADMIN)
    ana = _member(partner_a_user)
    client_a.post(reverse("accounts:member-role", args=[ana.pk]), {f"m{ana.pk}-role": "operador"})
    ana.refresh_from_db()
    assert ana.role == Role.OPERATOR
    # Now an Operador: the team page is closed to her.
    assert client_a.get(reverse("accounts:team")).status_code == 403


def test_deactivating_a_member_ends_their_sessions_at_once(
    client_a, partner_a, make_member, make_client
):
    otto_user = make_member(partner_a, "otto", role=Role.OPERATOR, first_name="Otto")
    otto = HttpClient()
    otto.post(reverse("login"), {"username": "otto", "password": PASSWORD})
    assert otto.get(reverse("clients:list")).status_code == 200
    confirm = client_a.get(reverse("accounts:member-deactivate", args=[_member(otto_user).pk]))
    assert "Desativar Otto?" in confirm.text
    response = client_a.post(reverse("accounts:member-deactivate", args=[_member(otto_user).pk]))
    assert response.url == reverse("accounts:team")
    otto_user.refresh_from_db()
    assert not otto_user.is_active
    assert otto.get(reverse("clients:list")).url.startswith(reverse("login"))
    target = make_client(partner_a)
    assert otto.post(reverse("clients:suspender", args=[target.pk])).status_code == 302
    target.refresh_from_db()
    assert target.suspended_at is None
    again = HttpClient().post(reverse("login"), {"username": "otto", "password": PASSWORD})
    assert again.status_code == 200  # the form again: no sign-in
    event = TeamEvent.objects.get()
    assert (event.action, event.subject) == ("desativar", "Otto")


def test_a_deactivated_members_history_keeps_their_name(
    partner_a, make_member, make_client, client_a
):
    otto_user = make_member(partner_a, "otto", role=Role.OPERATOR, first_name="Otto")
    otto = HttpClient()
    otto.force_login(otto_user)
    target = make_client(partner_a)
    otto.post(reverse("clients:suspender", args=[target.pk]))
    client_a.post(reverse("accounts:member-deactivate", args=[_member(otto_user).pk]))
    page = client_a.get(reverse("clients:history", args=[target.pk])).text
    assert "Otto" in page or "otto" in page


def test_requiring_two_factor_needs_it_on_the_administrators_own_account(client_a, partner_a):
    response = client_a.post(reverse("accounts:team-two-factor"), {"required": "on"}, follow=True)
    assert "Ative a verificação em duas etapas na sua conta antes" in response.text
    partner_a.refresh_from_db()
    assert not partner_a.two_factor_required and not TeamEvent.objects.exists()
