"""A user's own sign-in security: two-factor sign-in (the authenticator app and recovery
codes), the team's requirement of it, the password's change and the e-mail address's.

Changes that concern a partner's team lock the partner's row first and write one TeamEvent,
as partners.services does. Turning two-factor sign-in on or off and a new password end the
user's other sessions (`keep_session`: the one that made the change, if any), so that a
session opened before cannot outlive the change.
"""

import datetime
import logging
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import EmailChange, TOTPDevice
from accounts.sessions import sessions_end
from partners.models import Partner, PartnerUser, TeamAction, token_digest
from partners.services import TeamChangeRefused, display_name, lock_partner, record

audit = logging.getLogger("portal.audit")
User = get_user_model()

RECOVERY_CODES = 10
RECOVERY_DEVICE_NAME = "Códigos de recuperação"


def has_two_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def partner_require_two_factor(*, partner, required: bool, by) -> Partner:
    with transaction.atomic():
        partner = lock_partner(partner)
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


def two_factor_confirm(
    *, device: TOTPDevice, token: str, keep_session: str | None = None
) -> list[str] | None:
    """Turns two-factor sign-in on when `token` is the app's current code: returns the 10
    recovery codes (shown once), or None for a wrong code (nothing changes). The user's
    other sessions end."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(token):
            return None
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(device.user)
        _record_for_team(device.user, TeamAction.ENABLE_2FA, by=device.user)
        sessions_end(device.user, keep=keep_session)
    return codes


def _record_for_team(user, action: TeamAction, *, by, details: str = "") -> None:
    member = PartnerUser.objects.filter(user=user).select_related("partner").first()
    if member:
        record(member.partner, action, by=by, subject=display_name(user), details=details)


def recovery_codes_renew(user) -> list[str]:
    """New recovery codes for a user with two-factor sign-in on (the old ones stop working)."""
    with transaction.atomic():
        if not has_two_factor(user):
            raise TeamChangeRefused("A verificação em duas etapas não está ativada.")
        codes = _new_recovery_codes(user)
        _record_for_team(user, TeamAction.RECOVERY_CODES, by=user)
    return codes


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    static = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=static, token=code) for code in codes)
    return codes


def two_factor_disable(*, user, by, keep_session: str | None = None) -> None:
    """Removes the user's authenticator and recovery codes (by the user, or by the vendor's
    staff in the admin). Refused while the user's team requires two-factor sign-in, except
    for the vendor's staff (who reset it: the user sets it up again at the next sign-in).
    The user's other sessions end (all of them, when the staff resets it)."""
    with transaction.atomic():
        member = PartnerUser.objects.filter(user=user).select_related("partner").first()
        by_staff = by.is_staff and by.pk != user.pk
        if member:
            partner = lock_partner(member.partner)
            if partner.two_factor_required and not by_staff:
                raise TeamChangeRefused(
                    "A sua equipe exige a verificação em duas etapas: ela não pode ser desativada."
                )
        removed, _ = TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        if member and removed:
            action = TeamAction.RESET_2FA if by_staff else TeamAction.DISABLE_2FA
            record(member.partner, action, by=by, subject=display_name(user))
        sessions_end(user, keep=None if by_staff else keep_session)


def password_changed(user, *, keep_session: str | None = None) -> None:
    """After a new password (changed, or reset by e-mail): the user's other sessions end."""
    _record_for_team(user, TeamAction.PASSWORD, by=user)
    sessions_end(user, keep=keep_session)


# The e-mail address ------------------------------------------------------------------------


def _mail(to: str, subject: str, template: str, context: dict) -> None:
    body = render_to_string(template, context)
    EmailMultiAlternatives(f"Portal do Parceiro: {subject}", body, to=[to]).send()


def email_change_request(*, user, new_email: str, confirm_url: str, report_url: str):
    """Asks `new_email` to confirm it becomes `user`'s address (the URLs hold “TOKEN” for the
    link's token); an earlier pending change is cancelled. The old address, if any, is told,
    with a link to report the change.

    The answer is the same whether or not another account has `new_email`: that address then
    receives a notice that it is in use instead of the link, and nothing can be confirmed.
    """
    new_email = User.objects.normalize_email(new_email.strip())
    confirm_token, report_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        now = timezone.now()
        user.email_changes.filter(
            confirmed_at__isnull=True, reported_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=now)
        change = EmailChange.objects.create(
            user=user,
            old_email=user.email,
            new_email=new_email,
            confirm_digest=token_digest(confirm_token),
            report_digest=token_digest(report_token),
            requested_at=now,
            expires_at=now + datetime.timedelta(hours=settings.EMAIL_CHANGE_VALID_HOURS),
        )
        context = {
            "user": user,
            "change": change,
            "confirm_url": confirm_url.replace("TOKEN", confirm_token),
            "report_url": report_url.replace("TOKEN", report_token),
            "hours": settings.EMAIL_CHANGE_VALID_HOURS,
            "report_days": settings.EMAIL_CHANGE_REPORT_DAYS,
        }
        if _email_taken(new_email, user):
            _mail(new_email, "este e-mail já é de uma conta", "emails/email_taken.txt", context)
        else:
            _mail(new_email, "confirme o seu novo e-mail", "emails/email_confirm.txt", context)
        if user.email:
            _mail(user.email, "pedido de troca de e-mail", "emails/email_notice.txt", context)
    return change


def _email_taken(email: str, user) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=user.pk).exists()


def _change_by(digest_field: str, token: str) -> EmailChange | None:
    return (
        EmailChange.objects.select_for_update()
        .select_related("user")
        .filter(**{digest_field: token_digest(token)})
        .first()
    )


def email_change_pending(token: str) -> EmailChange | None:
    """The pending change a confirmation link's token opens, or None."""
    change = EmailChange.objects.filter(confirm_digest=token_digest(token)).first()
    return change if change and change.is_pending else None


def email_change_reportable(token: str) -> EmailChange | None:
    """The change a report link's token names, while it may still be reported; or None."""
    change = EmailChange.objects.filter(report_digest=token_digest(token)).first()
    window = datetime.timedelta(days=settings.EMAIL_CHANGE_REPORT_DAYS)
    return change if change and timezone.now() <= change.requested_at + window else None


def email_change_confirm(*, token: str) -> EmailChange:
    """The new address confirmed: it becomes the account's. Once; refused (nothing changes)
    for a link no longer pending, or an address another account has."""
    with transaction.atomic():
        change = _change_by("confirm_digest", token)
        if change is None or not change.is_pending:
            raise TeamChangeRefused("Este link não é mais válido: peça a troca de novo.")
        user = User.objects.select_for_update().get(pk=change.user_id)
        if _email_taken(change.new_email, user):
            raise TeamChangeRefused("Este e-mail não pode ser usado: peça a troca com outro.")
        user.email = change.new_email
        user.save(update_fields=["email"])
        change.confirmed_at = timezone.now()
        change.save(update_fields=["confirmed_at"])
        _record_for_team(
            user, TeamAction.EMAIL, by=user, details=f"{change.old_email or '—'} → {user.email}"
        )
    return change


def email_change_report(*, token: str) -> EmailChange:
    """The old address says the change was not its owner's: a pending change is cancelled, a
    confirmed one undone (while the account still has the new address), and every session of
    the account ends. Valid EMAIL_CHANGE_REPORT_DAYS after the request; reporting twice
    changes nothing more."""
    with transaction.atomic():
        change = _change_by("report_digest", token)
        window = datetime.timedelta(days=settings.EMAIL_CHANGE_REPORT_DAYS)
        if change is None or timezone.now() > change.requested_at + window:
            raise TeamChangeRefused("Este link não é mais válido.")
        if change.reported_at:
            return change
        user = User.objects.select_for_update().get(pk=change.user_id)
        if change.confirmed_at and user.email == change.new_email:
            user.email = change.old_email
            user.save(update_fields=["email"])
        now = timezone.now()
        user.email_changes.filter(confirmed_at__isnull=True, cancelled_at__isnull=True).exclude(
            pk=change.pk
        ).update(cancelled_at=now)
        change.reported_at = now
        change.save(update_fields=["reported_at"])
        _record_for_team(
            user,
            TeamAction.EMAIL_REPORTED,
            by=user,  # the owner of the account's former address
            details=f"{change.old_email} contestou a troca para {change.new_email}",
        )
        sessions_end(user)
    audit.warning("email change reported", extra={"user": user.pk, "change": change.pk})
    return change
