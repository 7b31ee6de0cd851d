"""What needs the reseller's attention: the predicates Início counts and Clientes filters by.

Each predicate is written once, here, as a `Q` over the partner's clients; the Clientes
filters (clients.screen.filters) and Início's cards (clients.screen.home) both use them, so a card's
number
is what the list shows for the card's link. Days are local days (`today`, America/Sao_Paulo),
as in clients.domain.status.
"""

import datetime

from django.db.models import Q
from django.utils import timezone

from clients.domain.dates import local_midnight, next_month_start
from clients.domain.money import paying_q
from clients.domain.status import Status, client_status, status_q, statuses_q
from clients.domain.versions import older_versions
from clients.models import Certificate, Product, RegistrationCode

# The clients still in use (with access, or renewable this month): the cards about
# certificates, codes and Link installations count only these, as the e-mail digest does.
IN_USE = (Status.ACTIVE, Status.SUSPENDED, Status.EXPIRED)
# "Vencem nos próximos N dias": clients that still have a vencimento ahead.
AHEAD = (Status.ACTIVE, Status.SUSPENDED)

EXPIRING_DAYS = 7
CERTIFICATE_WINDOWS = (30, 60, 90)
CERTIFICATE_EXPIRED = "vencido"
NO_CONTACT_DAYS = 14
MAX_DAYS = 366


def expiring_q(days: int, today: datetime.date) -> Q:
    """Vencimento from today through today + days − 1 ("vencem nos próximos N dias")."""
    return Q(expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=days - 1))


def certificate_window_q(window: str, today: datetime.date) -> Q:
    """A1 certificates that expire within `window` days (0 to N days left, as
    Certificate.days_left counts them), or, for "vencido", that have expired."""
    start = local_midnight(today)
    if window == CERTIFICATE_EXPIRED:
        return Q(valid_until__lt=start)
    end = local_midnight(today + datetime.timedelta(days=int(window) + 1))
    return Q(valid_until__gte=start, valid_until__lt=end)


def certificate_q(window: str, today: datetime.date) -> Q:
    """Navi clients whose certificate is in `window` (certificate_window_q)."""
    certificates = Certificate.objects.filter(certificate_window_q(window, today))
    # The certificates are few: matched by id, the clients' rows need not be joined.
    return Q(product=Product.NAVI, pk__in=certificates.values("client_id"))


def no_contact_q(days: int, today: datetime.date) -> Q:
    """Link installations whose last check-in was more than `days` days ago (only an
    activated installation has checked in)."""
    return Q(product=Product.LINK, last_seen_on__lt=today - datetime.timedelta(days=days))


def older_version_q(than: str, versions) -> Q:
    """Link installations reporting a version before `than`. `versions` are the distinct
    versions stored (a few dozen): they are compared as versions in Python
    (clients.domain.versions), then matched exactly in SQL."""
    return Q(product=Product.LINK, link_version__in=older_versions(versions, than))


def link_versions(queryset) -> list[str]:
    """The distinct Link versions among `queryset`'s clients."""
    versions = queryset.filter(product=Product.LINK).exclude(link_version="")
    return list(versions.order_by().values_list("link_version", flat=True).distinct())


def unused_code_q(partner) -> Q:
    """The partner's Link clients with a registration code no installation has consumed yet
    (only Link clients get codes; the partner's unused codes are in an index of their own)."""
    unused = RegistrationCode.objects.filter(partner=partner, consumed_at__isnull=True)
    return Q(product=Product.LINK, pk__in=unused.values("client_id"))


def renewal_worklist_q(today: datetime.date) -> Q:
    """Renovação: Renovação manual clients that are Ativo and expire this month, or are
    Expirado — ordered by vencimento, they are the month's renewals."""
    month_end = next_month_start(today) - datetime.timedelta(days=1)
    this_month = status_q(Status.ACTIVE, today) & Q(expires_on__lte=month_end)
    return paying_q() & (this_month | status_q(Status.EXPIRED, today))


def in_use_q(today: datetime.date) -> Q:
    return statuses_q(IN_USE, today)


def row_hints(client, day: datetime.date) -> list[tuple[str, str]]:
    """The warnings a Clientes row carries, as (text, tone): the Navi certificate's validity,
    a Link installation's silence and version. Reads `client.certificate` as the table's
    query loaded it (no query of its own). Only clients in use carry them, as Início counts."""
    if client_status(client, day) not in IN_USE:
        return []
    hints = []
    if client.product == Product.NAVI:
        try:
            certificate = client.certificate
        except client._meta.get_field("certificate").related_model.DoesNotExist:
            certificate = None
        if certificate is None:
            hints.append(("sem certificado", "secondary"))
        else:
            days = certificate.days_left(day)
            if days < 0:
                hints.append(("certificado vencido", "danger"))
            elif days <= CERTIFICATE_WINDOWS[0]:
                hints.append(
                    (f"certificado vence em {days} dia{'s' if days != 1 else ''}", "warning")
                )
            else:
                hints.append(("certificado válido", "success"))
    elif client.license_key:
        if client.last_seen_at is not None:
            silent = (day - timezone.localdate(client.last_seen_at)).days
            if silent > NO_CONTACT_DAYS:
                hints.append((f"sem contato há {silent} dias", "warning"))
        if client.link_version:
            hints.append((f"versão {client.link_version}", "secondary"))
    return hints
