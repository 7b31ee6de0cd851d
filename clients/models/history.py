"""Each client's history: one immutable event per change."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models.client import Client
from partners.models import Partner


class Origin(models.TextChoices):
    """Where a change came from (Atividade's "Origem")."""

    PORTAL = "portal", "Portal"
    IMPORT = "importacao", "Importação"
    API = "api", "API"
    ADMIN = "admin", "Administração"
    SYSTEM = "sistema", "Sistema"


class Event(models.TextChoices):
    """The name of every kind of history event, with how the Histórico page shows it.

    The ⋮-menu actions keep their clients.domain.actions.Action value (tests/test_history.py checks
    that each one is here); the import writes the same names as the portal for the same change.
    """

    REGISTER = "cadastrar", "Cadastro"
    EDIT = "editar", "Editar"
    CERTIFICATE = "certificado", "Certificado digital"
    SUSPEND = "suspender", "Suspender"
    UNSUSPEND = "cancelar-suspensao", "Cancelar suspensão"
    REACTIVATE = "reativar", "Reativar"
    HIDE = "ocultar", "Ocultar"
    UNHIDE = "reexibir", "Reexibir"
    RENEW = "renovar", "Renovar"
    RELEASE_DEVICE = "liberar-dispositivo", "Liberar dispositivo"
    APPROVE = "aprovar", "Aprovação"
    REJECT = "rejeitar", "Rejeição"
    ACTIVATE = "ativar", "Ativação"
    VERSION = "versao", "Nova versão do Link"


class ClientEvent(models.Model):
    """One line of a client's history: who did what, when, and what changed. Never changed
    once written. Atividade lists a partner's events: `partner` is the client's, kept on the
    event so that the partner's newest events are one index range."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="parceiro",
        db_index=False,  # clientevent_partner_at starts with it
    )
    # No index of its own: `clientevent_client_at` starts with the client.
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name="cliente",
        db_index=False,
    )
    # Indexed only where set (`clientevent_actor`, with the time, for Atividade's member
    # filter): most events (import, API, system) have none.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="autor",
        db_index=False,
    )
    # Who acted when there is no user: "api", "import", "sistema".
    actor_label = models.CharField("autor (nome)", max_length=60, blank=True)
    origin = models.CharField("origem", max_length=12, choices=Origin.choices)
    action = models.CharField("ação", max_length=40, choices=Event.choices)
    at = models.DateTimeField("quando", default=timezone.now)
    before = models.JSONField("antes", default=dict, blank=True)
    after = models.JSONField("depois", default=dict, blank=True)
    note = models.CharField("observação", max_length=300, blank=True)

    class Meta:
        verbose_name = "evento do cliente"
        verbose_name_plural = "histórico dos clientes"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["client", "-at"], name="clientevent_client_at"),
            # Atividade: the partner's newest events, and those of one action.
            models.Index(fields=["partner", "-at", "-id"], name="clientevent_partner_at"),
            models.Index(fields=["partner", "action", "-at"], name="clientevent_partner_action"),
            # A member's events in its partner, newest first (Atividade's member filter; the
            # user's events when it is deleted, SET_NULL).
            models.Index(
                fields=["actor", "partner", "-at", "-id"],
                condition=models.Q(actor__isnull=False),
                name="clientevent_actor",
            ),
        ]

    def __str__(self):
        return f"{self.client} · {self.action} · {self.at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("A history event is never changed once written.")
        if self.partner_id is None:
            self.partner_id = self.client.partner_id
        if not self.origin:
            self.origin = Origin.SYSTEM
        super().save(*args, **kwargs)
