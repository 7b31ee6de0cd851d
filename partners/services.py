"""Every change to a partner's team: invitations, roles, deactivation.

Each service runs in one transaction that first locks the partner's row, so that two team
changes at once (two Administradores demoting each other) are serialised and the guard “a
partner keeps one active Administrador” holds; each effective change writes one TeamEvent.
A refusal raises TeamChangeRefused with its pt-BR message and changes nothing.
"""

import datetime
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from partners.models import (
    Invitation,
    Partner,
    PartnerUser,
    Role,
    TeamAction,
    TeamEvent,
    token_digest,
)

User = get_user_model()


class TeamChangeRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def record(partner, action: TeamAction, *, by=None, subject: str = "", details: str = ""):
    return TeamEvent.objects.create(
        partner=partner,
        actor=by,
        actor_label=display_name(by) if by else "fornecedor",
        subject=subject,
        action=action,
        details=details,
    )


def lock_partner(partner) -> Partner:
    return Partner.objects.select_for_update().get(pk=partner.pk)


def active_members(partner):
    return PartnerUser.objects.filter(partner=partner, user__is_active=True)


def last_administrator_message(user) -> str:
    return (
        f"{display_name(user)} é o último Administrador ativo da equipe: "
        "promova outro membro a Administrador antes."
    )


def _keeps_an_administrator(member: PartnerUser) -> None:
    others = active_members(member.partner).filter(role=Role.ADMIN).exclude(pk=member.pk)
    if not others.exists():
        raise TeamChangeRefused(last_administrator_message(member.user))


# Invitations ---------------------------------------------------------------------------


def _send_invitation(invitation: Invitation, token: str, accept_url: str) -> None:
    context = {
        "invitation": invitation,
        "url": accept_url.replace("TOKEN", token),
        "hours": settings.INVITATION_VALID_HOURS,
        # Only the address's owner reads this: the e-mail, not the inviting page, says what
        # to do when the address already has an account elsewhere.
        "account_elsewhere": User.objects.filter(email__iexact=invitation.email)
        .exclude(partner_user__partner=invitation.partner)
        .exists(),
    }
    subject = " ".join(render_to_string("emails/invitation_subject.txt", context).split())
    body = render_to_string("emails/invitation.txt", context)
    EmailMultiAlternatives(subject, body, to=[invitation.email]).send()


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_digest = token_digest(token)
    invitation.expires_at = timezone.now() + datetime.timedelta(
        hours=settings.INVITATION_VALID_HOURS
    )
    return token


def invitation_send(*, partner, email: str, role: Role, by, accept_url: str) -> Invitation:
    """Invites `email` to the team with `role` (accept_url holds “TOKEN” for the token).

    Refused only for what the team itself shows: an active member of this team, and an
    address with a pending invitation (resend that one instead). An address that has an
    account elsewhere (another partner's team, the vendor's staff) is invited like any other,
    so the page tells nobody who has an account; the e-mail tells its owner what to do.
    """
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        partner = lock_partner(partner)
        users = User.objects.filter(email__iexact=email)
        if active_members(partner).filter(user__in=users).exists():
            raise TeamChangeRefused("Este e-mail já é de um membro ativo da equipe.")
        if partner.invitations.pending().filter(email__iexact=email).exists():
            raise TeamChangeRefused(
                "Já há um convite pendente para este e-mail: use “Reenviar” na lista."
            )
        invitation = Invitation(partner=partner, email=email, role=role, invited_by=by)
        token = _new_token(invitation)
        invitation.save()
        record(
            partner, TeamAction.INVITE, by=by, subject=email, details=f"perfil {Role(role).label}"
        )
        # Sent inside the transaction: if sending fails, no invitation (nor event) remains.
        _send_invitation(invitation, token, accept_url)
    return invitation


def invitation_resend(*, invitation: Invitation, by, accept_url: str) -> Invitation:
    """A new link (the old one stops working) valid for another INVITATION_VALID_HOURS."""
    with transaction.atomic():
        lock_partner(invitation.partner)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.cancelled_at:
            raise TeamChangeRefused(f"O convite para {invitation.email} não está mais pendente.")
        token = _new_token(invitation)
        invitation.save(update_fields=["token_digest", "expires_at"])
        record(invitation.partner, TeamAction.RESEND, by=by, subject=invitation.email)
        _send_invitation(invitation, token, accept_url)
    return invitation


def invitation_cancel(*, invitation: Invitation, by) -> Invitation:
    with transaction.atomic():
        lock_partner(invitation.partner)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at or invitation.cancelled_at:
            raise TeamChangeRefused(f"O convite para {invitation.email} não está mais pendente.")
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        record(invitation.partner, TeamAction.CANCEL, by=by, subject=invitation.email)
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation this link's token opens, or None (unknown, used, expired)."""
    invitation = (
        Invitation.objects.select_related("partner")
        .filter(token_digest=token_digest(token))
        .first()
    )
    return invitation if invitation and invitation.is_pending else None


def _accept(invitation: Invitation, user) -> None:
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    record(
        invitation.partner,
        TeamAction.JOIN,
        by=user,
        subject=invitation.email,
        details=f"perfil {Role(invitation.role).label}",
    )


def _pending_locked(invitation: Invitation) -> Invitation:
    lock_partner(invitation.partner)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise TeamChangeRefused("Este convite não é mais válido.")
    return invitation


def invitation_accept_new_user(
    *, invitation: Invitation, username: str, password: str, first_name: str, last_name: str
):
    """The invitee becomes a new user of the partner with the invitation's role (once)."""
    with transaction.atomic():
        invitation = _pending_locked(invitation)
        if User.objects.filter(username__iexact=username).exists():
            raise TeamChangeRefused("Este nome de usuário não está disponível: escolha outro.")
        if PartnerUser.objects.filter(
            partner=invitation.partner, user__email__iexact=invitation.email
        ).exists():
            raise TeamChangeRefused(
                "Já há uma conta da equipe com este e-mail: use “Já tenho uma conta nesta equipe”."
            )
        user = User.objects.create_user(
            username=username,
            email=invitation.email,
            password=password,
            first_name=first_name,
            last_name=last_name,
        )
        PartnerUser.objects.create(user=user, partner=invitation.partner, role=invitation.role)
        _accept(invitation, user)
    return user


def invitation_accept_existing(*, invitation: Invitation, user):
    """A user of the same partner (e.g. one deactivated earlier) takes the invitation: active
    again, with the invitation's role. A user of another partner is refused."""
    with transaction.atomic():
        invitation = _pending_locked(invitation)
        member = PartnerUser.objects.select_for_update().filter(user=user).first()
        if member is None or member.partner_id != invitation.partner_id:
            raise TeamChangeRefused(
                f"Esta conta não é da equipe de {invitation.partner.name}: "
                "escolha um nome de usuário e uma senha novos."
            )
        member.role = invitation.role
        member.save(update_fields=["role"])
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        _accept(invitation, user)
    return user


# Members -------------------------------------------------------------------------------


def member_set_role(*, member: PartnerUser, role: Role, by) -> PartnerUser:
    role = Role(role)
    with transaction.atomic():
        lock_partner(member.partner)
        member = PartnerUser.objects.select_for_update().select_related("user").get(pk=member.pk)
        if member.role == role:
            return member
        if member.role == Role.ADMIN:
            _keeps_an_administrator(member)
        before = Role(member.role).label
        member.role = role
        member.save(update_fields=["role"])
        record(
            member.partner,
            TeamAction.ROLE,
            by=by,
            subject=display_name(member.user),
            details=f"{before} → {role.label}",
        )
    return member


def member_deactivate(*, member: PartnerUser, by) -> PartnerUser:
    """The member can no longer sign in, and their open sessions end at once (Django's
    authentication refuses an inactive user on every request). Their history stays."""
    with transaction.atomic():
        lock_partner(member.partner)
        member = PartnerUser.objects.select_for_update().select_related("user").get(pk=member.pk)
        if not member.user.is_active:
            raise TeamChangeRefused(f"{display_name(member.user)} já está desativado.")
        if member.role == Role.ADMIN:
            _keeps_an_administrator(member)
        member.user.is_active = False
        member.user.save(update_fields=["is_active"])
        record(member.partner, TeamAction.DEACTIVATE, by=by, subject=display_name(member.user))
    return member
