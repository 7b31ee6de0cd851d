"""The client status rule — the one place it is written, in two forms.

`client_status(client)` computes it for one client in Python; `status_q(status)`,
`with_status(qs)` and `status_counts(qs)` express the same rule in SQL for many — over clients,
or over their StatusTally rows, which carry the same facts under the same names. Both read
"today" from Django (`timezone.localdate()`, America/Sao_Paulo), never from the database
clock, and the SQL form is made of plain date-range and flag predicates so that an index on
(partner, expires_on) serves every status filter and count.

The first rule that matches wins (docs/domain.md):

    1 Oculto    hidden_at set
    2 Pendente  pending_since set
    3 Inativo   expires_on <  month_start
    4 Expirado  month_start <= expires_on < today
    5 Suspenso  suspended_at set (and expires_on >= today)
    6 Ativo     otherwise (expires_on >= today)
"""

import datetime

from django.db import models
from django.db.models import Case, Count, Q, Value, When
from django.utils import timezone


class Status(models.TextChoices):
    ACTIVE = "ativo", "Ativo"
    INACTIVE = "inativo", "Inativo"
    EXPIRED = "expirado", "Expirado"
    SUSPENDED = "suspenso", "Suspenso"
    PENDING = "pendente", "Pendente"
    HIDDEN = "oculto", "Oculto"


# Rule order: the order in which the rules are tried, first match wins.
RULE_ORDER = (
    Status.HIDDEN,
    Status.PENDING,
    Status.INACTIVE,
    Status.EXPIRED,
    Status.SUSPENDED,
    Status.ACTIVE,
)


def today() -> datetime.date:
    return timezone.localdate()


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def client_status(client, today_: datetime.date | None = None, *, ignore_hidden=False) -> Status:
    """The status of one client (anything with the Client fact attributes)."""
    day = today_ or today()
    if client.hidden_at is not None and not ignore_hidden:
        return Status.HIDDEN
    if client.pending_since is not None:
        return Status.PENDING
    if client.expires_on < month_start(day):
        return Status.INACTIVE
    if client.expires_on < day:
        return Status.EXPIRED
    if client.suspended_at is not None:
        return Status.SUSPENDED
    return Status.ACTIVE


# The fact that puts a client in these statuses: what "since" means for them.
STATUS_FACT = {
    Status.PENDING: "pending_since",
    Status.SUSPENDED: "suspended_at",
    Status.HIDDEN: "hidden_at",
}


def status_since(client, status: Status) -> datetime.datetime | None:
    """When the client entered `status` (its status now), for the statuses a flag sets."""
    field = STATUS_FACT.get(status)
    return getattr(client, field) if field else None


HIDE_ONLY_INACTIVE = "Só um cliente Inativo pode ser ocultado."


def may_be_hidden(client, today_: datetime.date | None = None) -> bool:
    """Whether `client` (anything with the fact attributes) may be Oculto: only when it would
    be Inativo without its hiding. Client.clean, the services and the import ask this."""
    return client_status(client, today_, ignore_hidden=True) == Status.INACTIVE


def facts_for(status: str, today_: datetime.date, now=None, *, days: int = 20) -> dict:
    """Client facts that give a client `status` on `today_` — for seeding and tests.

    `days` (≥ 1) moves the vencimento: that many days after today for Ativo, Suspenso and
    Pendente, before this month for Inativo and Oculto; Expirado is due `days` before today
    but within this month (on the 1st no such day exists: the client is due today, Ativo).
    seed_demo, the list benchmark and tests/conftest.py all seed through here.
    """
    now = now or timezone.now()
    first = month_start(today_)
    status = Status(status)
    if status in (Status.ACTIVE, Status.SUSPENDED, Status.PENDING):
        facts = {"expires_on": today_ + datetime.timedelta(days=days)}
    elif status == Status.EXPIRED:
        facts = {"expires_on": max(today_ - datetime.timedelta(days=days), first)}
        if today_ == first:
            facts["expires_on"] = today_
    else:
        facts = {"expires_on": first - datetime.timedelta(days=days)}
    if status == Status.SUSPENDED:
        facts["suspended_at"] = now
    elif status == Status.PENDING:
        facts["pending_since"], facts["pending_reason"] = now, DUPLICATE_REASON
    elif status == Status.HIDDEN:
        facts["hidden_at"] = now
    return facts


# Why a registration is Pendente when another partner has the same CPF/CNPJ and product.
DUPLICATE_REASON = "CPF/CNPJ já cadastrado por outro parceiro para este produto."


def duplicate_facts(now) -> dict:
    """The facts of a new client whose CPF/CNPJ and product another partner already has:
    Pendente, for the vendor to review (+ Novo cliente and the import)."""
    return {"pending_since": now, "pending_reason": DUPLICATE_REASON}


def status_q(status: str, today_: datetime.date | None = None) -> Q:
    """A predicate matching exactly the clients whose status is `status` today."""
    day = today_ or today()
    first = month_start(day)
    visible = Q(hidden_at__isnull=True, pending_since__isnull=True)
    predicates = {
        Status.HIDDEN: Q(hidden_at__isnull=False),
        Status.PENDING: Q(hidden_at__isnull=True, pending_since__isnull=False),
        Status.INACTIVE: visible & Q(expires_on__lt=first),
        Status.EXPIRED: visible & Q(expires_on__gte=first, expires_on__lt=day),
        Status.SUSPENDED: visible & Q(expires_on__gte=day, suspended_at__isnull=False),
        Status.ACTIVE: visible & Q(expires_on__gte=day, suspended_at__isnull=True),
    }
    return predicates[Status(status)]


def statuses_q(statuses, today_: datetime.date | None = None) -> Q:
    """Clients in any of `statuses` (an OR of the predicates); no status → nothing."""
    query = Q(pk__in=[])
    for status in statuses:
        query |= status_q(status, today_)
    return query


def status_expression(today_: datetime.date | None = None, *, labels=False) -> Case:
    """The status as an SQL CASE, for annotating rows (ordering); with `labels`, its pt-BR
    label (the exports)."""
    day = today_ or today()
    return Case(
        *(
            When(status_q(status, day), then=Value(status.label if labels else status.value))
            for status in RULE_ORDER
        ),
        output_field=models.CharField(),
    )


def with_status(queryset, today_: datetime.date | None = None):
    """Annotate each client with `status_value` computed in SQL."""
    return queryset.annotate(status_value=status_expression(today_))


def count_clients(predicate: Q):
    """Clients matching `predicate`, counted over the clients' rows. Counting `partner` (a
    column of the covering index) keeps PostgreSQL off the table."""
    return Count("partner", filter=predicate)


def status_counts(
    queryset, today_: datetime.date | None = None, *, count=count_clients
) -> dict[Status, int]:
    """How many clients of `queryset` are in each status, in one query. `count` makes the
    aggregate of a predicate: over StatusTally rows, clients.tally.count_tallied."""
    day = today_ or today()
    counts = queryset.aggregate(
        **{status.value: count(status_q(status, day)) for status in RULE_ORDER}
    )
    return {status: counts[status.value] for status in Status}
