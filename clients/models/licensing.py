"""A client's licenses and modules, Link registration codes, the Navi A1 certificate and the
current Link version the vendor's staff set."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from clients.domain.codes import new_registration_code
from clients.domain.documents import format_document
from clients.models.client import Client
from partners.models import Partner


class Module(models.TextChoices):
    MAIN = "principal", "Licenças"
    CLOUD = "cloud", "Cloud"
    PAYMENT_ORDER = "ordem_pagamento", "Ordem de Pagamento"
    INTEGRATED_PAYMENT = "pagamento_integrado", "Pagamento Integrado"
    SELF_SERVICE = "link_autoatendimento", "Link Autoatendimento"
    WAITER = "link_garcom", "Link Garçom"
    MOBILE = "link_movel", "Link Móvel"
    TEF = "tef", "TEF"
    AUTOMATIC_WEIGHING = "pesagem_automatica", "Pesagem Automática"
    KITCHEN_MONITOR = "monitor_cozinha", "Monitor de Cozinha"
    STOCK_COUNT = "link_balanco_estoque", "Link Balanço Estoque"


# Which product may have which module, and how it is counted: clients.domain.modules.


class License(models.Model):
    """How many licenses a client has of one module (`principal` is the main count).

    A reduction does not take effect at once: it is kept in `scheduled_quantity` and applies
    from `scheduled_from` (the first day of the next month). `current_quantity` derives the
    count in force on a day, so nothing has to run at midnight for it to be right.
    """

    # No index of its own: `license_unique_module` starts with the client.
    client = models.ForeignKey(
        Client,
        on_delete=models.CASCADE,
        related_name="licenses",
        verbose_name="cliente",
        db_index=False,
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
        # The exports and the import join each module's licenses (clients.transfer.exporting
        # .with_licenses): by module first, a join finds the few licenses of an auxiliary
        # module without reading every client's main license.
        indexes = [models.Index(fields=["module", "client"], name="license_module_client")]
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

    @staticmethod
    def quantity_in_force(prefix: str, today):
        """current_quantity's SQL twin, for the license reached through `prefix` (a relation
        path ending in "__"); 0 where there is none."""
        return Coalesce(
            models.Case(
                models.When(
                    **{f"{prefix}scheduled_from__lte": today},
                    then=models.F(f"{prefix}scheduled_quantity"),
                ),
                default=models.F(f"{prefix}quantity"),
            ),
            0,
        )


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
        Partner,
        on_delete=models.CASCADE,
        related_name="+",
        editable=False,
        verbose_name="parceiro",
    )
    # Unique by a constraint in Meta, not `unique=True`: on PostgreSQL Django adds to a unique
    # CharField a second, `varchar_pattern_ops` index for LIKE, and codes are only looked up
    # whole.
    code = models.CharField("código de registro", max_length=23, default=new_registration_code)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    consumed_at = models.DateTimeField("consumido em", null=True, blank=True)
    machine = models.CharField("máquina", max_length=200, blank=True)

    class Meta:
        verbose_name = "código de registro"
        verbose_name_plural = "códigos de registro"
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["code"], name="regcode_unique_code")]
        indexes = [
            models.Index(
                fields=["client"],
                condition=models.Q(consumed_at__isnull=True),
                name="regcode_unconsumed",
            ),
            # The partner's unused codes, with their clients: Início's and the list's "with an
            # unused code" read the client ids from this index alone.
            models.Index(
                fields=["partner", "client"],
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


class ReleasedKey(models.Model):
    """A license key the partner released from its device (⋮ Liberar dispositivo).

    The client's `license_key` is cleared and a new registration code issued; the released key
    is kept here so that the old device's next check-in is told why it no longer works (HTTP
    410, licenses.activation) instead of "not found". Looked up only when a check-in's key
    belongs to no client, so the check-in of a valid key reads nothing more. Never changed.
    """

    # Unique by a constraint in Meta (as Client.license_key): no LIKE index on PostgreSQL.
    key = models.CharField("chave", max_length=64)
    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="released_keys", verbose_name="cliente"
    )
    # The machine the released key was activated on, as the software reported it.
    machine = models.CharField("máquina", max_length=200, blank=True)
    released_at = models.DateTimeField("liberada em", default=timezone.now)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="liberada por",
    )

    class Meta:
        verbose_name = "chave liberada"
        verbose_name_plural = "chaves liberadas"
        ordering = ["-released_at"]
        constraints = [models.UniqueConstraint(fields=["key"], name="releasedkey_unique_key")]

    def __str__(self):
        return f"{self.client} · {self.released_at:%d/%m/%Y}"


# Below this many days left, the certificate page warns that the certificate is about to expire.
CERTIFICATE_WARNING_DAYS = 30


class Certificate(models.Model):
    """A Navi client's A1 digital certificate (PKCS#12), one per client, replaced on upload.

    The file and its password are kept only encrypted (`clients.certificates`); the other
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


class LinkVersionSetting(models.Model):
    """The current Link version, as the vendor's staff set it in the admin.

    Every change is a new row (the history); the newest row is the current version. Início
    and the "versão anterior" filter compare each installation's version with it
    (clients.domain.versions: 4.10 is after 4.9).
    """

    version = models.CharField(
        "versão atual do Link", max_length=40, help_text="Por exemplo 4.10 ou 4.10.2."
    )
    note = models.CharField("observação", max_length=200, blank=True)
    set_at = models.DateTimeField("definida em", default=timezone.now)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="definida por",
    )

    class Meta:
        verbose_name = "versão atual do Link"
        verbose_name_plural = "versão atual do Link (histórico)"
        ordering = ["-set_at", "-id"]

    def __str__(self):
        return f"{self.version} ({self.set_at:%d/%m/%Y})"

    def clean(self):
        from clients.domain.versions import version_key

        if version_key(self.version) is None:
            raise ValidationError({"version": "Informe uma versão como 4.10 ou 4.10.2."})

    @classmethod
    def current(cls) -> str:
        """The current Link version, or "" while staff have set none."""
        latest = cls.objects.order_by("-set_at", "-id").values_list("version", flat=True).first()
        return latest or ""
