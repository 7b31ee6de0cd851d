"""The status tally: the partner's clients counted by the facts their status derives from."""

from django.db import models

from clients.models.client import Product
from partners.models import Partner


class StatusTally(models.Model):
    """How many of a partner's clients share the facts their status derives from (their
    vencimento, product and which flags are set): the status counts of the Clientes list and
    Início read these few thousand rows instead of every client (clients.tally).

    The database keeps them, whoever writes clients_client (services, import, COPY, admin):
    triggers (clients/sql/tally.*.sql) add each statement's net change. The flags carry the
    names of Client's facts and hold TRUE where the clients' fact is set, NULL where it is not,
    so that clients.domain.status's predicates (`hidden_at__isnull`, `expires_on__lt`, …)
    select these rows as they select clients. A key may have more than one row (PostgreSQL
    writers merge the rows nobody else holds, and add their own otherwise): always sum
    `clients`.
    """

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+", db_index=False)
    expires_on = models.DateField("vencimento")
    product = models.CharField("produto", max_length=4, choices=Product.choices)
    hidden_at = models.BooleanField("oculto", null=True)
    pending_since = models.BooleanField("pendente", null=True)
    suspended_at = models.BooleanField("suspenso", null=True)
    clients = models.IntegerField("clientes")

    class Meta:
        verbose_name = "contagem por situação"
        verbose_name_plural = "contagens por situação"
        indexes = [
            models.Index(
                fields=["partner", "expires_on"],
                include=["product", "hidden_at", "pending_since", "suspended_at", "clients"],
                name="statustally_partner_expires",
            )
        ]

    def __str__(self):
        return f"{self.partner_id} {self.product} {self.expires_on}: {self.clients}"
