"""The partner users' authenticator apps (two-factor sign-in)."""

import base64
import time
from urllib.parse import quote, urlencode

from django.db import models
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
