"""Each client's history: one immutable event per change."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from clients.models.client import Client


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
    APPROVE = "aprovar", "Aprovação"
    REJECT = "rejeitar", "Rejeição"
    ACTIVATE = "ativar", "Ativação"
    VERSION = "versao", "Nova versão do Link"


class ClientEvent(models.Model):
    """One line of a client's history: who did what, when, and what changed."""

    # No index of its own: `clientevent_client_at` starts with the client (clients 0018).
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name="cliente",
        db_index=False,
    )
    # Indexed only where set (`clientevent_actor`): most events (import, API, system) have none.
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
    actor_label = models.CharField("origem", max_length=60, blank=True)
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
            # A user's events (SET_NULL when the user is deleted).
            models.Index(
                fields=["actor"], condition=models.Q(actor__isnull=False), name="clientevent_actor"
            ),
        ]

    def __str__(self):
        return f"{self.client} · {self.action} · {self.at:%d/%m/%Y %H:%M}"
