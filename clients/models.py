"""Partners, their users, their clients and each client's facts: licenses and modules,
Link registration codes, the Navi A1 certificate, and each client's history.

A client's status is never stored: it is derived from the facts kept here
(`expires_on`, `suspended_at`, `pending_since`, `hidden_at`) by `clients.status`.
"""

import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce, TruncDate, Upper
from django.utils import timezone
from localflavor.br.br_states import STATE_CHOICES

from clients.documents import format_document, normalize_document, validate_document
from clients.municipalities import canonical_city
from clients.search import Unaccent


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
    # Set by the partner's Administradores on the Equipe page (accounts.views).
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
    """A partner user's role; what each may do is clients.actions.ROLE_PERMISSIONS."""

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


class Product(models.TextChoices):
    LINK = "link", "Link"
    NAVI = "navi", "Navi"


class Renewal(models.TextChoices):
    MANUAL = "manual", "Renovação manual"
    BILLING = "cobranca", "Gestão de cobranças"


UF_CHOICES = STATE_CHOICES


class Client(models.Model):
    """A partner's customer (a shop) using Link or Navi."""

    # No index of its own: every index of the table below starts with the partner (clients 0015).
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name="parceiro",
        db_index=False,
    )
    name = models.CharField("nome", max_length=200)
    # The name as the search compares it (clients.search): the database keeps it, whoever
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
    # Facts the status derives from (see clients.status).
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
        from clients.status import HIDE_ONLY_INACTIVE, may_be_hidden

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
        """The derived status today (clients.status.client_status)."""
        from clients.status import client_status

        return client_status(self)

    @property
    def is_link(self) -> bool:
        return self.product == Product.LINK


class StatusTally(models.Model):
    """How many of a partner's clients share the facts their status derives from (their
    vencimento, product and which flags are set): the status counts of the Clientes list and
    Início read these few thousand rows instead of every client (clients.tally).

    The database keeps them, whoever writes clients_client (services, import, COPY, admin):
    triggers of migration 0012 add each statement's net change. The flags carry the names of
    Client's facts and hold TRUE where the clients' fact is set, NULL where it is not, so that
    clients.status's predicates (`hidden_at__isnull`, `expires_on__lt`, …) select these rows
    as they select clients. A key may have more than one row (PostgreSQL writers merge the
    rows nobody else holds, and add their own otherwise): always sum `clients`.
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


class Event(models.TextChoices):
    """The name of every kind of history event, with how the Histórico page shows it.

    The ⋮-menu actions keep their clients.actions.Action value (tests/test_history.py checks
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


# Modules only a Link client may have. All but Link Balanço Estoque (which uses no license)
# are counted in licenses: Link Garçom, Link Autoatendimento, Pesagem Automática and Monitor
# de Cozinha by simultaneous use.
LINK_ONLY_MODULES = frozenset(
    {
        Module.SELF_SERVICE,
        Module.WAITER,
        Module.MOBILE,
        Module.AUTOMATIC_WEIGHING,
        Module.KITCHEN_MONITOR,
        Module.STOCK_COUNT,
    }
)
# Link modules that are switched on or off, without a license count.
UNCOUNTED_LINK_MODULES = frozenset({Module.STOCK_COUNT})
# A module that needs another one.
MODULE_REQUIRES = {Module.MOBILE: Module.CLOUD}


class License(models.Model):
    """How many licenses a client has of one module (`principal` is the main count).

    A reduction does not take effect at once: it is kept in `scheduled_quantity` and applies
    from `scheduled_from` (the first day of the next month). `current_quantity` derives the
    count in force on a day, so nothing has to run at midnight for it to be right.
    """

    # No index of its own: `license_unique_module` starts with the client (clients 0018).
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
        # The exports and the import join each module's licenses (clients.exporting
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


# Random bytes read as symbols: a byte below 248 (= 31·8) is the symbol of its remainder by 31,
# a byte from 248 up is dropped — so each symbol is uniform over the alphabet and independent of
# the others, as a call of secrets.choice is, and one secrets call serves thousands of codes
# (the import makes one code per new Link client).
_USABLE_BYTES = len(CODE_ALPHABET) * (256 // len(CODE_ALPHABET))
_SYMBOL_OF_BYTE = bytes(ord(CODE_ALPHABET[byte % len(CODE_ALPHABET)]) for byte in range(256))
_DROPPED_BYTES = bytes(range(_USABLE_BYTES, 256))


def _random_symbols(count: int) -> str:
    """`count` symbols of CODE_ALPHABET, each uniform and independent."""
    symbols = b""
    while len(symbols) < count:
        # ~3% of the bytes are dropped: ask for a few more than are missing.
        wanted = (count - len(symbols)) * 256 // _USABLE_BYTES + 8
        symbols += secrets.token_bytes(wanted).translate(_SYMBOL_OF_BYTE, _DROPPED_BYTES)
    return symbols[:count].decode("ascii")


def _random_groups(groups: int) -> str:
    return _grouped(_random_symbols(groups * CODE_GROUP_SIZE))


def new_registration_code() -> str:
    return _random_groups(CODE_GROUPS)


def new_registration_codes(count: int) -> list[str]:
    """`count` registration codes, as `count` calls of new_registration_code would make them,
    from one draw of random bytes (the import's new Link clients)."""
    size = CODE_GROUPS * CODE_GROUP_SIZE
    symbols = _random_symbols(count * size)
    return [_grouped(symbols[start : start + size]) for start in range(0, len(symbols), size)]


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
        Partner,
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
            # The partner's unused codes, with their clients: Início's and the list's "with an
            # unused code" read the client ids from this index alone (clients 0016).
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


class LinkVersionSetting(models.Model):
    """The current Link version, as the vendor's staff set it in the admin.

    Every change is a new row (the history); the newest row is the current version. Início
    and the "versão anterior" filter compare each installation's version with it
    (clients.versions: 4.10 is after 4.9).
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
        from clients.versions import version_key

        if version_key(self.version) is None:
            raise ValidationError({"version": "Informe uma versão como 4.10 ou 4.10.2."})

    @classmethod
    def current(cls) -> str:
        """The current Link version, or "" while staff have set none."""
        latest = cls.objects.order_by("-set_at", "-id").values_list("version", flat=True).first()
        return latest or ""
