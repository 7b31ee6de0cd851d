"""A partner's client (a shop) and the facts its status derives from.

A client's status is never stored: it is derived from the facts kept here
(`expires_on`, `suspended_at`, `pending_since`, `hidden_at`) by `clients.domain.status`.
"""

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import TruncDate, Upper
from django.utils import timezone
from localflavor.br.br_states import STATE_CHOICES

from clients.domain.documents import format_document, normalize_document, validate_document
from clients.domain.municipalities import canonical_city
from clients.domain.search import Unaccent
from partners.models import Partner


class Product(models.TextChoices):
    LINK = "link", "Link"
    NAVI = "navi", "Navi"


class Renewal(models.TextChoices):
    MANUAL = "manual", "Renovação manual"
    BILLING = "cobranca", "Gestão de cobranças"


UF_CHOICES = STATE_CHOICES


class Client(models.Model):
    """A partner's customer (a shop) using Link or Navi."""

    # No index of its own: every index of the table below starts with the partner.
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name="parceiro",
        db_index=False,
    )
    name = models.CharField("nome", max_length=200)
    # The name as the search compares it (clients.domain.search): the database keeps it, whoever
    # writes the name (services, admin, import, COPY), and indexes it on PostgreSQL.
    search_name = models.GeneratedField(
        expression=Upper(Unaccent("name")),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name="nome sem acentos",
    )
    cpf_cnpj = models.CharField(
        "CPF/CNPJ",
        max_length=14,
        validators=[validate_document],
        help_text="Com ou sem pontuação; CNPJ alfanumérico aceito.",
    )
    email = models.EmailField("e-mail", blank=True)
    uf = models.CharField("UF", max_length=2, choices=UF_CHOICES)
    city = models.CharField("cidade", max_length=100)
    product = models.CharField("produto", max_length=4, choices=Product.choices)
    registered_on = models.DateField("data de cadastro", default=timezone.localdate)
    expires_on = models.DateField("vencimento")
    renewal = models.CharField(
        "renovação", max_length=8, choices=Renewal.choices, default=Renewal.MANUAL
    )
    # Facts the status derives from (see clients.domain.status).
    suspended_at = models.DateTimeField("suspenso em", null=True, blank=True)
    pending_since = models.DateTimeField("pendente desde", null=True, blank=True)
    pending_reason = models.CharField("motivo da pendência", max_length=300, blank=True)
    hidden_at = models.DateTimeField("oculto em", null=True, blank=True)
    # What the customer's software reported (Link): see the activation API.
    # Unique by a constraint in Meta, not `unique=True`: on PostgreSQL Django adds to a unique
    # CharField a second, `varchar_pattern_ops` index for LIKE, which nothing here runs.
    license_key = models.CharField("chave", max_length=64, null=True, blank=True)
    link_version = models.CharField("versão do Link", max_length=40, blank=True)
    last_seen_at = models.DateTimeField("último contato", null=True, blank=True)
    # The local day of the last contact, kept by the database: Início counts installations not
    # seen for N days from an index that holds it, while check-ins write only `last_seen_at`
    # — the day changes once a day, so a check-in's write leaves every index alone (HOT).
    last_seen_on = models.GeneratedField(
        expression=TruncDate("last_seen_at", tzinfo=zoneinfo.ZoneInfo("America/Sao_Paulo")),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name="dia do último contato",
    )
    notes = models.TextField("observações", blank=True)
    # Optimistic concurrency: every service that changes the client's data, facts or licenses
    # adds 1 (clients.services), and a form carries the number it was loaded with, so a save
    # from a form opened before another change is refused. The check-in's time of contact and
    # Link version (licenses.activation) leave it alone: they are not what a form edits.
    version = models.PositiveIntegerField("versão do cadastro", default=0, editable=False)

    created_at = models.DateTimeField("criado em", default=timezone.now)
    updated_at = models.DateTimeField("atualizado em", auto_now=True)

    class Meta:
        verbose_name = "cliente"
        verbose_name_plural = "clientes"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "cpf_cnpj", "product"],
                name="client_unique_document_per_partner_product",
                violation_error_message=(
                    "Este parceiro já tem um cliente com este CPF/CNPJ para este produto."
                ),
            ),
            # The check-in finds the client by its key through this index (licenses.activation).
            models.UniqueConstraint(fields=["license_key"], name="client_unique_license_key"),
        ]
        indexes = [
            # The status predicates are ranges on expires_on plus the three flags: with the
            # flags INCLUDEd, counting and filtering by status never read the table
            # (PostgreSQL; other databases ignore `include`).
            models.Index(
                fields=["partner", "expires_on"],
                include=["hidden_at", "pending_since", "suspended_at"],
                name="client_partner_expires",
            ),
            # Início's new-clients chart: the last 12 months' range, by product.
            models.Index(
                fields=["partner", "registered_on"],
                include=["product"],
                name="client_partner_registered",
            ),
            # Início's Link cards count the partner's Link clients by version (one range of
            # this index), and filtered counts read every client of the partner by these
            # columns: with them INCLUDEd, index-only scans answer them (PostgreSQL). Not
            # `last_seen_at`: every check-in writes it, and an indexed column would make each
            # of those writes update every index of the table (`last_seen_on` instead).
            models.Index(
                fields=["partner", "product", "link_version"],
                include=[
                    "id",
                    "expires_on",
                    "hidden_at",
                    "pending_since",
                    "suspended_at",
                    "registered_on",
                    "last_seen_on",
                ],
                name="client_partner_attention",
            ),
            # The partner's clients in name order with every column the list filters and
            # counts on: a search's status counts and a page's ids are an index-only scan of
            # the partner's entries (PostgreSQL; elsewhere an index on partner, name, id).
            models.Index(
                fields=["partner", "name", "id"],
                include=["hidden_at", "pending_since", "suspended_at", "expires_on", "search_name"],
                name="client_partner_name_cover",
            ),
            models.Index(fields=["cpf_cnpj"], name="client_cpf_cnpj"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.cpf_cnpj = normalize_document(self.cpf_cnpj)
        super().save(*args, **kwargs)

    def clean_fields(self, exclude=None):
        self.cpf_cnpj = normalize_document(self.cpf_cnpj)
        super().clean_fields(exclude=exclude)

    def clean(self):
        from clients.domain.status import HIDE_ONLY_INACTIVE, may_be_hidden

        if self.uf and self.city:
            city = canonical_city(self.uf, self.city)
            if city is None:
                raise ValidationError({"city": f"“{self.city}” não é um município de {self.uf}."})
            self.city = city
        if self.hidden_at and not may_be_hidden(self):
            raise ValidationError(HIDE_ONLY_INACTIVE)

    @property
    def cpf_cnpj_display(self) -> str:
        return format_document(self.cpf_cnpj)

    @property
    def status(self):
        """The derived status today (clients.domain.status.client_status)."""
        from clients.domain.status import client_status

        return client_status(self)

    @property
    def is_link(self) -> bool:
        return self.product == Product.LINK
