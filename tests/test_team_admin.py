"""The vendor's admin: partners show their members and invitations; a new partner gets its
first Administrador by an invitation e-mail."""

import re

from django.urls import reverse

from partners.models import Invitation, Partner, PartnerUser, Role, TeamEvent


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
    response = admin_client_.post(reverse("admin:partners_partner_add"), _partner_form())
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
        reverse("admin:partners_partner_add"), _partner_form(first_admin_email="")
    )
    assert response.status_code == 200 and "Este campo é obrigatório." in response.text
    assert not Partner.objects.filter(code="gama").exists() and mailoutbox == []


def test_the_partner_page_shows_members_and_pending_invitations(
    admin_client_, partner_a, make_member, staff_user
):
    make_member(partner_a, "otto", role=Role.OPERATOR)
    from partners.services import invitation_send

    invitation_send(
        partner=partner_a,
        email="nova@alfa.example.com",
        role=Role.VIEWER,
        by=staff_user,
        accept_url="http://testserver/convite/TOKEN/",
    )
    page = admin_client_.get(reverse("admin:partners_partner_change", args=[partner_a.pk])).text
    assert "otto@alfa.example.com" in page and "Operador" in page
    assert "nova@alfa.example.com" in page and "convite pendente" in page


def test_the_team_history_is_in_the_admin_read_only(admin_client_, partner_a, staff_user):
    TeamEvent.objects.create(partner=partner_a, action="convidar", subject="x@example.com")
    page = admin_client_.get(reverse("admin:partners_teamevent_changelist")).text
    assert "x@example.com" in page
    assert admin_client_.get(reverse("admin:partners_teamevent_add")).status_code == 403


def _members_form(partner, members):
    """The partner's change form as the admin posts it, with `members` = [(user, role)]."""
    data = {
        "code": partner.code,
        "name": partner.name,
        "email": partner.email,
        "users-TOTAL_FORMS": str(len(members)),
        "users-INITIAL_FORMS": str(len(members)),
        "invitations-TOTAL_FORMS": "0",
        "invitations-INITIAL_FORMS": "0",
    }
    for index, (user, role) in enumerate(members):
        data[f"users-{index}-id"] = str(user.partner_user.pk)
        data[f"users-{index}-partner"] = str(partner.pk)
        data[f"users-{index}-user"] = str(user.pk)
        data[f"users-{index}-role"] = role
    return data


def _roles(partner):
    return dict(PartnerUser.objects.filter(partner=partner).values_list("user__username", "role"))


def test_staff_cannot_demote_the_last_active_administrator(admin_client_, partner_a, make_member):
    chefe = make_member(partner_a, "chefe", role=Role.ADMIN)
    otto = make_member(partner_a, "otto", role=Role.OPERATOR)
    url = reverse("admin:partners_partner_change", args=[partner_a.pk])
    response = admin_client_.post(
        url, _members_form(partner_a, [(chefe, Role.OPERATOR), (otto, Role.OPERATOR)])
    )
    assert response.status_code == 200
    assert "chefe é o último Administrador ativo da equipe" in response.text
    assert _roles(partner_a) == {"chefe": Role.ADMIN, "otto": Role.OPERATOR}
    assert not TeamEvent.objects.filter(action="perfil").exists()


def test_an_inactive_administrator_does_not_count_as_the_one_left(
    admin_client_, partner_a, make_member
):
    chefe = make_member(partner_a, "chefe", role=Role.ADMIN)
    antigo = make_member(partner_a, "antigo", role=Role.ADMIN, is_active=False)
    response = admin_client_.post(
        reverse("admin:partners_partner_change", args=[partner_a.pk]),
        _members_form(partner_a, [(chefe, Role.VIEWER), (antigo, Role.ADMIN)]),
    )
    assert "chefe é o último Administrador ativo da equipe" in response.text
    assert _roles(partner_a)["chefe"] == Role.ADMIN


def test_staff_swap_administrators_in_one_save_through_the_team_service(
    admin_client_, partner_a, make_member, staff_user
):
    chefe = make_member(partner_a, "chefe", role=Role.ADMIN)
    otto = make_member(partner_a, "otto", role=Role.OPERATOR)
    response = admin_client_.post(
        reverse("admin:partners_partner_change", args=[partner_a.pk]),
        _members_form(partner_a, [(chefe, Role.OPERATOR), (otto, Role.ADMIN)]),
    )
    assert response.status_code == 302, response.text
    assert _roles(partner_a) == {"chefe": Role.OPERATOR, "otto": Role.ADMIN}
    events = TeamEvent.objects.filter(partner=partner_a, action="perfil", actor=staff_user)
    assert sorted(events.values_list("subject", "details")) == [
        ("chefe", "Administrador → Operador"),
        ("otto", "Operador → Administrador"),
    ]


def test_the_user_page_keeps_the_same_rule(admin_client_, partner_a, make_member):
    chefe = make_member(partner_a, "chefe", role=Role.ADMIN)
    page = admin_client_.get(reverse("admin:auth_user_change", args=[chefe.pk]))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name not in ("password",)
    }
    data.update(
        {
            "date_joined_0": "01/12/2026",
            "date_joined_1": "10:00:00",
            "partner_user-TOTAL_FORMS": "1",
            "partner_user-INITIAL_FORMS": "1",
            "partner_user-0-id": str(chefe.partner_user.pk),
            "partner_user-0-user": str(chefe.pk),
            "partner_user-0-partner": str(partner_a.pk),
            "partner_user-0-role": Role.VIEWER,
        }
    )
    data.pop("last_login", None)
    data.pop("date_joined", None)
    data = {k: v for k, v in data.items() if not isinstance(v, (list, tuple))}
    response = admin_client_.post(reverse("admin:auth_user_change", args=[chefe.pk]), data)
    assert response.status_code == 200
    assert "chefe é o último Administrador ativo da equipe" in response.text
    assert _roles(partner_a)["chefe"] == Role.ADMIN
