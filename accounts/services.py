"""Every change to a partner's team: invitations, roles, deactivation, two-factor sign-in.

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
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import Invitation, TeamAction, TeamEvent, TOTPDevice, token_digest
from clients.models import Partner, PartnerUser, Role

User = get_user_model()

RECOVERY_CODES = 10
RECOVERY_DEVICE_NAME = "Códigos de recuperação"


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


def _lock(partner) -> Partner:
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

    Refused for a member of another partner's team, an active member of this one, and an
    address that already has a pending invitation (resend that one instead).
    """
    email = User.objects.normalize_email(email.strip())
    with transaction.atomic():
        partner = _lock(partner)
        users = User.objects.filter(email__iexact=email)
        if PartnerUser.objects.filter(user__in=users).exclude(partner=partner).exists():
            raise TeamChangeRefused(
                "Este e-mail já pertence à equipe de outro parceiro: não pode ser convidado."
            )
        if users.filter(is_staff=True).exists():
            raise TeamChangeRefused("Este e-mail pertence a um usuário do fornecedor.")
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
        _lock(invitation.partner)
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
        _lock(invitation.partner)
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
    _lock(invitation.partner)
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
            raise TeamChangeRefused("Este nome de usuário já existe: escolha outro.")
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
        _lock(member.partner)
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
        _lock(member.partner)
        member = PartnerUser.objects.select_for_update().select_related("user").get(pk=member.pk)
        if not member.user.is_active:
            raise TeamChangeRefused(f"{display_name(member.user)} já está desativado.")
        if member.role == Role.ADMIN:
            _keeps_an_administrator(member)
        member.user.is_active = False
        member.user.save(update_fields=["is_active"])
        record(member.partner, TeamAction.DEACTIVATE, by=by, subject=display_name(member.user))
    return member


# Two-factor sign-in --------------------------------------------------------------------


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def partner_require_two_factor(*, partner, required: bool, by) -> Partner:
    with transaction.atomic():
        partner = _lock(partner)
        if partner.two_factor_required == required:
            return partner
        if required and not has_two_factor(by):
            raise TeamChangeRefused(
                "Ative a verificação em duas etapas na sua conta antes de exigi-la da equipe."
            )
        partner.two_factor_required = required
        partner.save(update_fields=["two_factor_required"])
        action = TeamAction.REQUIRE_2FA if required else TeamAction.RELEASE_2FA
        record(partner, action, by=by, subject=partner.name)
    return partner


def two_factor_start(user) -> TOTPDevice:
    """An unconfirmed authenticator with a new secret (replacing any earlier unconfirmed one);
    it counts only once a code from the app confirms it."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice(user=user, name="Aplicativo autenticador", confirmed=False)
    device.bin_key = secrets.token_bytes(20)
    device.save()
    return device


def two_factor_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Turns two-factor sign-in on when `token` is the app's current code: returns the 10
    recovery codes (shown once), or None for a wrong code (nothing changes)."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(device.user)
        member = PartnerUser.objects.filter(user=device.user).select_related("partner").first()
        if member:
            record(
                member.partner,
                TeamAction.ENABLE_2FA,
                by=device.user,
                subject=display_name(device.user),
            )
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def two_factor_disable(*, user, by) -> None:
    """Removes the user's authenticator and recovery codes (by the user, or by the vendor's
    staff in the admin). Refused while the user's team requires two-factor sign-in, except
    for the vendor's staff (who reset it: the user sets it up again at the next sign-in)."""
    with transaction.atomic():
        member = PartnerUser.objects.filter(user=user).select_related("partner").first()
        by_staff = by.is_staff and by.pk != user.pk
        if member:
            partner = _lock(member.partner)
            if partner.two_factor_required and not by_staff:
                raise TeamChangeRefused(
                    "A sua equipe exige a verificação em duas etapas: ela não pode ser desativada."
                )
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        if member and removed:
            action = TeamAction.RESET_2FA if by_staff else TeamAction.DISABLE_2FA
            record(member.partner, action, by=by, subject=display_name(user))


def password_changed(user) -> None:
    member = PartnerUser.objects.filter(user=user).select_related("partner").first()
    if member:
        record(member.partner, TeamAction.PASSWORD, by=user, subject=display_name(user))
