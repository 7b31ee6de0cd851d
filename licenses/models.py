"""Licenses (main count and auxiliary modules), Link registration codes, Navi certificates."""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from clients.documents import format_document
from clients.models import Client


class Module(models.TextChoices):
    MAIN = "principal", "Licenças"
    CLOUD = "cloud", "Cloud"
    PAYMENT_ORDER = "ordem_pagamento", "Ordem de Pagamento"
    INTEGRATED_PAYMENT = "pagamento_integrado", "Pagamento Integrado"
    SELF_SERVICE = "link_autoatendimento", "Link Autoatendimento"
    WAITER = "link_garcom", "Link Garçom"
    MOBILE = "link_movel", "Link Móvel"
    TEF = "tef", "TEF"


# Modules only a Link client may have; these are counted in licenses.
LINK_ONLY_MODULES = frozenset({Module.SELF_SERVICE, Module.WAITER, Module.MOBILE})
# A module that needs another one.
MODULE_REQUIRES = {Module.MOBILE: Module.CLOUD}


class License(models.Model):
    """How many licenses a client has of one module (`principal` is the main count).

    A reduction does not take effect at once: it is kept in `scheduled_quantity` and applies
    from `scheduled_from` (the first day of the next month). `current_quantity` derives the
    count in force on a day, so nothing has to run at midnight for it to be right.
    """

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="licenses", verbose_name="cliente"
    )
    module = models.CharField("módulo", max_length=30, choices=Module.choices)
    quantity = models.PositiveIntegerField(
        "quantidade", default=1, validators=[MinValueValidator(0)]
    )
    scheduled_quantity = models.PositiveIntegerField("quantidade agendada", null=True, blank=True)
    scheduled_from = models.DateField("agendada a partir de", null=True, blank=True)

    class Meta:
        verbose_name = "licença"
        verbose_name_plural = "licenças"
        ordering = ["client", "module"]
        constraints = [
            models.UniqueConstraint(fields=["client", "module"], name="license_unique_module"),
            models.CheckConstraint(
                condition=models.Q(scheduled_quantity__isnull=True)
                | models.Q(scheduled_from__isnull=False),
                name="license_scheduled_has_date",
                violation_error_message="Uma redução agendada precisa de data.",
            ),
        ]

    def __str__(self):
        return f"{self.get_module_display()}: {self.quantity}"

    def current_quantity(self, today=None):
        today = today or timezone.localdate()
        if self.scheduled_from is not None and today >= self.scheduled_from:
            return self.scheduled_quantity
        return self.quantity


# Codes are shown as XXXXX-XXXXX-XXXXX-XXXXX: 20 symbols of a 31-letter alphabet without
# look-alikes (no 0/O, 1/I/L) carry 20·log2(31) ≈ 99 bits. License keys use the same alphabet
# in five groups (≈ 124 bits): they are bearer secrets the customer's software keeps.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_SIZE = 4, 5
KEY_GROUPS = 5


def _grouped(symbols: str) -> str:
    return "-".join(
        symbols[i : i + CODE_GROUP_SIZE] for i in range(0, len(symbols), CODE_GROUP_SIZE)
    )


def _random_groups(groups: int) -> str:
    return _grouped("".join(secrets.choice(CODE_ALPHABET) for _ in range(groups * CODE_GROUP_SIZE)))


def new_registration_code() -> str:
    return _random_groups(CODE_GROUPS)


def new_license_key() -> str:
    return _random_groups(KEY_GROUPS)


def normalize_registration_code(text: str) -> str | None:
    """A code as typed (any case, spaces or dashes anywhere) in its stored form, or None when it
    cannot be a registration code at all."""
    symbols = "".join(text.split()).replace("-", "").upper()
    if len(symbols) != CODE_GROUPS * CODE_GROUP_SIZE or set(symbols) - set(CODE_ALPHABET):
        return None
    return _grouped(symbols)


class RegistrationCode(models.Model):
    """A one-time code a Link installation uses to activate; consumed once."""

    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        related_name="registration_codes",
        verbose_name="cliente",
    )
    # The client's partner, kept here so that "the partner's unused codes" (the notice on
    # every list page) is one small partial-index scan instead of a join with all of the
    # partner's clients. A client never changes partner (read-only in the admin); save() and
    # the bulk paths (import, bench) set it from the client.
    partner = models.ForeignKey(
        "clients.Partner",
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        verbose_name="parceiro",
    )
    code = models.CharField(
        "código de registro", max_length=23, unique=True, default=new_registration_code
    )
    created_at = models.DateTimeField("criado em", default=timezone.now)
    consumed_at = models.DateTimeField("consumido em", null=True, blank=True)
    machine = models.CharField("máquina", max_length=200, blank=True)

    class Meta:
        verbose_name = "código de registro"
        verbose_name_plural = "códigos de registro"
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["client"],
                condition=models.Q(consumed_at__isnull=True),
                name="regcode_unconsumed",
            ),
            models.Index(
                fields=["partner"],
                condition=models.Q(consumed_at__isnull=True),
                name="regcode_partner_unconsumed",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        if self.partner_id is None:
            self.partner_id = self.client.partner_id
        super().save(*args, **kwargs)

    @property
    def is_consumed(self) -> bool:
        return self.consumed_at is not None


# Below this many days left, the certificate page warns that the certificate is about to expire.
CERTIFICATE_WARNING_DAYS = 30


class Certificate(models.Model):
    """A Navi client's A1 digital certificate (PKCS#12), one per client, replaced on upload.

    The file and its password are kept only encrypted (`licenses.certificates`); the other
    fields are what the certificate says about itself, read when it was uploaded.
    """

    client = models.OneToOneField(
        Client, on_delete=models.CASCADE, related_name="certificate", verbose_name="cliente"
    )
    holder = models.CharField("titular", max_length=200)
    cnpj = models.CharField("CNPJ", max_length=14)
    issuer = models.CharField("emissor", max_length=300)
    serial_number = models.CharField("número de série", max_length=64)
    fingerprint = models.CharField("impressão digital (SHA-256)", max_length=64)
    valid_from = models.DateTimeField("válido a partir de")
    valid_until = models.DateTimeField("válido até")
    file_name = models.CharField("nome do arquivo", max_length=200, blank=True)
    # Fernet tokens (URL-safe base64 text) of the PKCS#12 bytes and of the password.
    encrypted_file = models.TextField("arquivo criptografado", editable=False)
    encrypted_password = models.TextField("senha criptografada", editable=False)
    uploaded_at = models.DateTimeField("enviado em", default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enviado por",
    )

    class Meta:
        verbose_name = "certificado digital"
        verbose_name_plural = "certificados digitais"
        ordering = ["valid_until"]

    def __str__(self):
        return f"{self.holder} ({self.cnpj_display})"

    @property
    def cnpj_display(self) -> str:
        return format_document(self.cnpj)

    def days_left(self, today=None) -> int:
        """Days from today to the last local day of validity (0 on that day, < 0 after)."""
        today = today or timezone.localdate()
        return (timezone.localdate(self.valid_until) - today).days

    @property
    def is_expired(self) -> bool:
        return self.valid_until <= timezone.now()

    @property
    def expires_soon(self) -> bool:
        return not self.is_expired and self.days_left() < CERTIFICATE_WARNING_DAYS
