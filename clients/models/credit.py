"""The reseller's money: the vendor's prices, each partner's credit balance and its ledger.

Amounts are integers of centavos. The ledger (`CreditEntry`) is never changed once written:
a mistake is undone by a reversal entry. The balance (`CreditAccount.balance`) is stored, so
reading it is one primary-key lookup; it changes only in the transaction that writes its entry,
on the account's locked row, and a constraint keeps it from going below zero
(clients.services.credit; `manage.py reconcile_credit` compares it with the sum of the entries).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clients.models.client import Client, Product
from clients.models.history import ClientEvent
from clients.models.licensing import Module
from partners.models import Partner


class Price(models.Model):
    """What one license (or a module switched on) of a product costs per month, from a day on.

    A new price is a new row with a later `valid_from`: charges already made keep the amount
    they were made with (their entries store it), and a charge uses the price in force on
    the day it is made.
    """

    product = models.CharField("produto", max_length=4, choices=Product.choices)
    module = models.CharField("módulo", max_length=30, choices=Module.choices)
    monthly = models.PositiveBigIntegerField(
        "preço mensal (centavos)", help_text="Por licença por mês, em centavos: 4990 = R$ 49,90."
    )
    valid_from = models.DateField("válido a partir de")
    created_at = models.DateTimeField("criado em", default=timezone.now, editable=False)

    class Meta:
        verbose_name = "preço"
        verbose_name_plural = "preços"
        ordering = ["product", "module", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "module", "valid_from"],
                name="price_unique_validity",
                violation_error_message="Já há um preço deste módulo com esta data de início.",
            ),
        ]

    def __str__(self):
        return f"{self.get_product_display()} · {self.get_module_display()} · {self.valid_from}"

    def clean(self):
        from clients.domain.modules import is_valid_for

        if self.product and self.module and not is_valid_for(self.product, self.module):
            product = Product(self.product).label
            raise ValidationError({"module": f"Este módulo não é vendido para o {product}."})


class CreditAccount(models.Model):
    """A partner's credit balance, in centavos: the sum of its ledger entries."""

    partner = models.OneToOneField(
        Partner,
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="credit",
        verbose_name="parceiro",
    )
    balance = models.BigIntegerField("saldo (centavos)", default=0)
    updated_at = models.DateTimeField("atualizado em", default=timezone.now)

    class Meta:
        verbose_name = "crédito do parceiro"
        verbose_name_plural = "créditos dos parceiros"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0),
                name="creditaccount_balance_not_negative",
                violation_error_message="O saldo de crédito não pode ficar negativo.",
            ),
        ]

    def __str__(self):
        return f"{self.partner}: {self.balance}"


class EntryKind(models.TextChoices):
    CREDIT = "credito", "Crédito adicionado"
    RENEWAL = "renovacao", "Renovação"
    REACTIVATION = "reativacao", "Reativação"
    PROPORTIONAL = "proporcional", "Cobrança proporcional"
    REVERSAL = "estorno", "Estorno"


class CreditEntry(models.Model):
    """One line of a partner's extrato: `amount` added (> 0) or spent (< 0), in centavos, and
    the balance it left. Written once, never changed or deleted."""

    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="parceiro",
        db_index=False,  # creditentry_partner_at starts with it
    )
    kind = models.CharField("tipo", max_length=12, choices=EntryKind.choices)
    amount = models.BigIntegerField("valor (centavos)")
    balance_after = models.BigIntegerField("saldo depois (centavos)")
    # The client and the history event a charge is for (none for credit added by staff).
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cliente",
    )
    event = models.OneToOneField(
        ClientEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charge",
        verbose_name="evento",
    )
    # A reversal's entry; an entry is reversed at most once.
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name="estorno de",
    )
    description = models.CharField("descrição", max_length=300)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="autor",
    )
    actor_label = models.CharField("autor (nome)", max_length=150, blank=True)
    at = models.DateTimeField("quando", default=timezone.now)

    class Meta:
        verbose_name = "lançamento de crédito"
        verbose_name_plural = "extrato de crédito"
        ordering = ["-at", "-id"]
        indexes = [
            # The extrato: the partner's newest entries, a month's range, a kind's.
            models.Index(fields=["partner", "-at", "-id"], name="creditentry_partner_at"),
            models.Index(fields=["partner", "kind", "-at"], name="creditentry_partner_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="creditentry_amount_not_zero"
            ),
            models.CheckConstraint(
                condition=models.Q(balance_after__gte=0), name="creditentry_balance_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} ({self.at:%d/%m/%Y})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("A credit entry is never changed once written; reverse it.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("A credit entry is never deleted; reverse it.")
