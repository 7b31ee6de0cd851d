"""Partners (resellers), their team members with a role, invitations to join a team and the
team's history. What each role may do is `partners.permissions`; team changes go through
`partners.services`.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone


class Partner(models.Model):
    """A reseller company (parceiro / revenda)."""

    code = models.SlugField(
        "código",
        max_length=30,
        unique=True,
        help_text="Identificador curto usado nos comandos de operação, ex.: alfa.",
    )
    name = models.CharField("nome", max_length=200)
    email = models.EmailField("e-mail", blank=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    # Set by the partner's Administradores on the Equipe page.
    two_factor_required = models.BooleanField(
        "exigir verificação em duas etapas",
        default=False,
        help_text="Membros sem verificação em duas etapas configuram-na no próximo acesso.",
    )

    class Meta:
        verbose_name = "parceiro"
        verbose_name_plural = "parceiros"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.TextChoices):
    """A partner user's role; what each may do is partners.permissions.ROLE_PERMISSIONS."""

    ADMIN = "administrador", "Administrador"
    OPERATOR = "operador", "Operador"
    VIEWER = "consulta", "Consulta"


class PartnerUser(models.Model):
    """Ties a portal user to the one partner it works for, with a role. Staff users need none."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="partner_user",
        verbose_name="usuário",
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="users", verbose_name="parceiro"
    )
    role = models.CharField("perfil", max_length=13, choices=Role.choices, default=Role.ADMIN)

    class Meta:
        verbose_name = "usuário do parceiro"
        verbose_name_plural = "usuários do parceiro"

    def __str__(self):
        return f"{self.user} ({self.partner})"


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
        Partner,
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
    RECOVERY_CODES = "codigos-2fa", "Novos códigos de recuperação"
    EMAIL = "email", "E-mail alterado"
    EMAIL_REPORTED = "email-contestado", "Troca de e-mail contestada"


class TeamEvent(models.Model):
    """One line of a partner team's history: who did what to whom, when."""

    partner = models.ForeignKey(
        Partner,
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
