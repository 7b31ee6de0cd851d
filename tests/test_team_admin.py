"""The vendor's admin: partners show their members and invitations; a new partner gets its
first Administrador by an invitation e-mail."""

import re

from django.urls import reverse

from accounts.models import Invitation, TeamEvent
from clients.models import Partner, PartnerUser, Role


def _partner_form(**fields):
    return {
        "code": "gama",
        "name": "Revenda Gama",
        "email": "",
        "first_admin_email": "chefe@gama.example.com",
        "users-TOTAL_FORMS": "0",
        "users-INITIAL_FORMS": "0",
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
        **fields,
    }


def test_staff_create_a_partner_with_its_first_administrator(
    admin_client_, staff_user, mailoutbox, client
):
    response = admin_client_.post(reverse("admin:clients_partner_add"), _partner_form())
    assert response.status_code == 302, response.text
    partner = Partner.objects.get(code="gama")
    invitation = Invitation.objects.get()
    assert (invitation.partner, invitation.email, invitation.role, invitation.invited_by) == (
        partner,
        "chefe@gama.example.com",
        Role.ADMIN,
        staff_user,
    )
    (message,) = mailoutbox
    link = re.search(r"https?://[^/\s]+(/convite/\S+/)", message.body).group(1)
    client.post(
        link,
        {
            "mode": "new",
            "first_name": "Chefe",
            "username": "chefe-gama",
            "password1": "Senha-da-gama-2026",
            "password2": "Senha-da-gama-2026",
        },
    )
    member = PartnerUser.objects.get(user__username="chefe-gama")
    assert (member.partner, member.role) == (partner, Role.ADMIN)
    assert client.get(reverse("accounts:team")).status_code == 200
    assert TeamEvent.objects.filter(partner=partner, action="convidar", actor=staff_user).exists()


def test_a_new_partner_needs_its_first_administrators_email(admin_client_, mailoutbox):
    response = admin_client_.post(
        reverse("admin:clients_partner_add"), _partner_form(first_admin_email="")
    )
    assert response.status_code == 200 and "Este campo é obrigatório." in response.text
    assert not Partner.objects.filter(code="gama").exists() and mailoutbox == []


def test_the_partner_page_shows_members_and_pending_invitations(
    admin_client_, partner_a, make_member, staff_user
):
    make_member(partner_a, "otto", role=Role.OPERATOR)
    from accounts.services import invitation_send

    invitation_send(
        partner=partner_a,
        email="nova@alfa.example.com",
        role=Role.VIEWER,
        by=staff_user,
        accept_url="http://testserver/convite/TOKEN/",
    )
    page = admin_client_.get(reverse("admin:clients_partner_change", args=[partner_a.pk])).text
    assert "otto@alfa.example.com" in page and "Operador" in page
    assert "nova@alfa.example.com" in page and "convite pendente" in page


def test_the_team_history_is_in_the_admin_read_only(admin_client_, partner_a, staff_user):
    TeamEvent.objects.create(partner=partner_a, action="convidar", subject="x@example.com")
    page = admin_client_.get(reverse("admin:accounts_teamevent_changelist")).text
    assert "x@example.com" in page
    assert admin_client_.get(reverse("admin:accounts_teamevent_add")).status_code == 403
