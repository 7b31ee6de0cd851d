"""Team invitations, the team's history and the partner users' TOTP devices.

A partner user's role is `clients.PartnerUser.role`; what each role may do is
`clients.actions.ROLE_PERMISSIONS`. Team changes go through `accounts.services`.
"""

import base64
import hashlib
import time
from urllib.parse import quote, urlencode

from django.conf import settings
from django.db import models
from django.utils import timezone
from django_otp.models import Device, TimestampMixin
from django_otp.oath import TOTP

from clients.models import Role
from portal import encryption


def token_digest(token: str) -> str:
    """What is stored of a one-time link's token: its SHA-256 (the token is only e-mailed)."""
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(
            accepted_at__isnull=True, cancelled_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(models.Model):
    """An e-mailed invitation to join a partner's team with a role; its link works once."""

    partner = models.ForeignKey(
        "clients.Partner",
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name="parceiro",
    )
    email = models.EmailField("e-mail")
    role = models.CharField("perfil", max_length=13, choices=Role.choices)
    token_digest = models.CharField("resumo do token", max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="convidado por",
    )
    created_at = models.DateTimeField("enviado em", default=timezone.now)
    expires_at = models.DateTimeField("válido até")
    accepted_at = models.DateTimeField("aceito em", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="aceito por",
    )
    cancelled_at = models.DateTimeField("cancelado em", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "convite"
        verbose_name_plural = "convites"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["partner", "email"], name="invitation_partner_email")]

    def __str__(self):
        return f"{self.email} ({self.partner})"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.cancelled_at is None
            and self.expires_at > timezone.now()
        )

    @property
    def state_label(self) -> str:
        if self.accepted_at:
            return "aceito"
        if self.cancelled_at:
            return "cancelado"
        return "convite pendente" if self.is_pending else "expirado"


class TeamAction(models.TextChoices):
    INVITE = "convidar", "Convite enviado"
    RESEND = "reenviar-convite", "Convite reenviado"
    CANCEL = "cancelar-convite", "Convite cancelado"
    JOIN = "entrar-na-equipe", "Entrou na equipe"
    ROLE = "perfil", "Perfil alterado"
    DEACTIVATE = "desativar", "Membro desativado"
    REQUIRE_2FA = "exigir-2fa", "Verificação em duas etapas exigida"
    RELEASE_2FA = "dispensar-2fa", "Verificação em duas etapas dispensada"
    ENABLE_2FA = "ativar-2fa", "Verificação em duas etapas ativada"
    DISABLE_2FA = "desativar-2fa", "Verificação em duas etapas desativada"
    RESET_2FA = "redefinir-2fa", "Verificação em duas etapas redefinida pelo fornecedor"
    PASSWORD = "senha", "Senha alterada"


class TeamEvent(models.Model):
    """One line of a partner team's history: who did what to whom, when."""

    partner = models.ForeignKey(
        "clients.Partner",
        on_delete=models.CASCADE,
        related_name="team_events",
        verbose_name="parceiro",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="autor",
    )
    # The names at the time: the history keeps them even if the user changes or goes away.
    actor_label = models.CharField("autor (nome)", max_length=200, blank=True)
    subject = models.CharField("quem ou o quê", max_length=254, blank=True)
    action = models.CharField("ação", max_length=30, choices=TeamAction.choices)
    details = models.CharField("detalhes", max_length=300, blank=True)
    at = models.DateTimeField("quando", default=timezone.now)

    class Meta:
        verbose_name = "evento da equipe"
        verbose_name_plural = "histórico das equipes"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["partner", "-at"], name="teamevent_partner_at")]

    def __str__(self):
        return f"{self.partner} · {self.get_action_display()} · {self.at:%d/%m/%Y %H:%M}"


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
