"""What the daily digest sent, so that a partner gets it once a day."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from partners.models import Partner


class NotificationKind(models.TextChoices):
    DAILY_SUMMARY = "resumo-diario", "Resumo diário"


class NotificationLog(models.Model):
    """An e-mail `notify_partners` sent: at most one of a kind per user and day, so running the
    command twice on one day sends nothing new (the unique constraint holds it even when two
    runs overlap).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="usuário",
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="notifications", verbose_name="parceiro"
    )
    kind = models.CharField("tipo", max_length=30, choices=NotificationKind.choices)
    sent_on = models.DateField("dia")
    sent_at = models.DateTimeField("enviado em", default=timezone.now)
    email = models.EmailField("para")
    subject = models.CharField("assunto", max_length=200)
    summary = models.JSONField("resumo", default=dict, blank=True)

    class Meta:
        verbose_name = "notificação enviada"
        verbose_name_plural = "notificações enviadas"
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "sent_on"], name="notificationlog_once_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.email} · {self.subject}"
