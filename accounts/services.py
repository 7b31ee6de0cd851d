"""A user's own sign-in security: two-factor sign-in (the authenticator app and recovery
codes), the team's requirement of it, and the password's change in the team's history.

Changes that concern a partner's team lock the partner's row first and write one TeamEvent,
as partners.services does.
"""

import secrets

from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from accounts.models import TOTPDevice
from partners.models import Partner, PartnerUser, TeamAction
from partners.services import TeamChangeRefused, display_name, lock_partner, record

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


def password_changed(user) -> None:
    member = PartnerUser.objects.filter(user=user).select_related("partner").first()
    if member:
        record(member.partner, TeamAction.PASSWORD, by=user, subject=display_name(user))
