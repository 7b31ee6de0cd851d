"""The users' authenticator apps (two-factor sign-in) and their signed-in sessions."""

import base64
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, TimestampMixin
from django_otp.oath import TOTP

from portal import encryption


class TOTPDevice(TimestampMixin, Device):
    """An authenticator app (RFC 6238: 6 digits, 30 s), its secret stored only encrypted.

    django-otp's own TOTPDevice keeps the secret in clear; this one keeps it Fernet-encrypted
    with TWO_FACTOR_ENCRYPTION_KEY and computes the codes with django-otp's `oath.TOTP`.
    Wrong codes are counted by the sign-in lockout (django-axes), not here.
    """

    STEP = 30
    DIGITS = 6
    TOLERANCE = 1  # the code before and after the current one are accepted (clock drift)

    encrypted_key = models.TextField("segredo (cifrado)", editable=False)
    last_t = models.BigIntegerField(
        "último passo aceito", default=-1, editable=False
    )  # a code is accepted once

    class Meta(Device.Meta):
        verbose_name = "aplicativo autenticador"
        verbose_name_plural = "aplicativos autenticadores"

    @property
    def bin_key(self) -> bytes:
        return encryption.decrypt("TWO_FACTOR_ENCRYPTION_KEY", self.encrypted_key)

    @bin_key.setter
    def bin_key(self, key: bytes):
        self.encrypted_key = encryption.encrypt("TWO_FACTOR_ENCRYPTION_KEY", key)

    def config_url(self, issuer: str) -> str:
        """The otpauth:// URL an authenticator app reads from the QR code."""
        secret = base64.b32encode(self.bin_key).decode("ascii").rstrip("=")
        label = quote(f"{issuer}:{self.user.get_username()}")
        query = urlencode(
            {"secret": secret, "issuer": issuer, "digits": self.DIGITS, "period": self.STEP},
            quote_via=quote,
        )
        return f"otpauth://totp/{label}?{query}"

    def totp(self) -> TOTP:
        totp = TOTP(self.bin_key, step=self.STEP, digits=self.DIGITS)
        totp.time = time.time()
        return totp

    def verify_token(self, token) -> bool:
        token = str(token).strip().replace(" ", "")
        if not (token.isascii() and token.isdigit() and len(token) == self.DIGITS):
            return False
        totp = self.totp()
        if not totp.verify(int(token), tolerance=self.TOLERANCE, min_t=self.last_t + 1):
            return False
        self.last_t = totp.t()
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class UserSession(models.Model):
    """One signed-in session of a user (Django's session store holds its data): what Minha
    conta lists, and what ending a user's other sessions deletes from the store."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="signed_in_sessions",
        verbose_name="usuário",
    )
    session_key = models.CharField("chave da sessão", max_length=40, unique=True)
    signed_in_at = models.DateTimeField("entrou em", default=timezone.now)
    last_seen_at = models.DateTimeField("último acesso", default=timezone.now)
    ip_address = models.GenericIPAddressField("endereço", null=True, blank=True)
    user_agent = models.CharField("navegador", max_length=300, blank=True)

    class Meta:
        verbose_name = "sessão"
        verbose_name_plural = "sessões"
        ordering = ["-last_seen_at", "-id"]

    def __str__(self):
        return f"{self.user} · {self.signed_in_at:%d/%m/%Y %H:%M}"


class EmailChange(models.Model):
    """A change of a user's e-mail address, waiting for the new address to confirm it by its
    link; the old address is told, with a link to report it. Only the tokens' SHA-256 are
    stored (partners.models.token_digest), as for invitations."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="email_changes",
        verbose_name="usuário",
    )
    old_email = models.EmailField("e-mail anterior", blank=True)
    new_email = models.EmailField("e-mail novo")
    confirm_digest = models.CharField(max_length=64, unique=True, editable=False)
    report_digest = models.CharField(max_length=64, unique=True, editable=False)
    requested_at = models.DateTimeField("pedido em", default=timezone.now)
    expires_at = models.DateTimeField("confirmação válida até")
    confirmed_at = models.DateTimeField("confirmado em", null=True, blank=True)
    reported_at = models.DateTimeField("contestado em", null=True, blank=True)
    cancelled_at = models.DateTimeField("cancelado em", null=True, blank=True)

    class Meta:
        verbose_name = "troca de e-mail"
        verbose_name_plural = "trocas de e-mail"
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"{self.user}: {self.old_email or '—'} → {self.new_email}"

    @property
    def is_pending(self) -> bool:
        return (
            self.confirmed_at is None
            and self.reported_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )
