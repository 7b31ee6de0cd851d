"""Início: what needs the partner's attention this month, as cards and two charts.

Every card is a link to the Clientes list with filters (`params`), and its number is counted
with the same predicates that list applies for those filters (clients.domain.attention,
clients.domain.status), so the two agree. The number of queries does not grow with the partner's
clients: the counts made of the status facts alone (the statuses, "vencem em 7 dias", the
vencimentos chart) are read from the partner's status tally (clients.tally), a few thousand
rows at 100,000 clients; the certificates from their own (few) rows; the Link cards (codes,
contact, version) from the Link clients in use, one index range.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format

from clients.domain import attention
from clients.domain.dates import add_months, next_month_start
from clients.domain.money import format_brl
from clients.domain.outlook import RENEWAL_OUTLOOK_DAYS, upcoming_renewals_cost
from clients.domain.status import RULE_ORDER, Status, month_start, status_q, statuses_q, today
from clients.domain.versions import is_older
from clients.models import Certificate, LinkVersionSetting, Product
from clients.scoping import partner_clients, partner_tally
from clients.services.credit import balance
from clients.tally import count_tallied

CHART_MONTHS = 12
MONTH_NAMES = ("jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez")


@dataclass(frozen=True)
class Card:
    key: str
    title: str
    params: tuple  # (name, value) pairs of the Clientes list's query string
    count: int = 0
    note: str = ""
    tone: str = ""  # "warning" / "danger": needs attention when count > 0

    @property
    def url(self) -> str:
        return f"{reverse('clients:list')}?{urlencode(self.params)}"


def _status_params(statuses) -> tuple:
    return tuple(("status", status.value) for status in statuses)


def tallied_predicates(day: datetime.date) -> dict[str, Q]:
    """The cards the status tally answers (clients.tally): the statuses, and "vencem nos
    próximos N dias", both made of the status facts only."""
    predicates = {status.value: status_q(status, day) for status in RULE_ORDER}
    predicates["expiring"] = statuses_q(attention.AHEAD, day) & attention.expiring_q(
        attention.EXPIRING_DAYS, day
    )
    return predicates


def card_counts(
    clients, tally, partner, day: datetime.date, current_version: str
) -> dict[str, int]:
    """Every card's number, in three queries whatever the number of clients: the status
    tally's sums; the Navi certificates of the clients in use, by window; the Link clients in
    use grouped by version (so that "versão anterior" is summed in Python over a few dozen
    versions), with their unused codes and silent installations."""
    totals = tally.aggregate(
        **{key: count_tallied(q) for key, q in tallied_predicates(day).items()}
    )
    in_use = clients.filter(attention.in_use_q(day))
    windows = {f"cert_{window}": str(window) for window in attention.CERTIFICATE_WINDOWS}
    windows["cert_expired"] = attention.CERTIFICATE_EXPIRED
    totals |= Certificate.objects.filter(client__in=in_use.filter(product=Product.NAVI)).aggregate(
        **{
            key: Count("pk", filter=attention.certificate_window_q(window, day))
            for key, window in windows.items()
        }
    )
    rows = (
        in_use.filter(product=Product.LINK)
        .order_by()
        .values("link_version")
        .annotate(
            link_in_use=Count("partner"),
            codes=Count("partner", filter=attention.unused_code_q(partner)),
            no_contact=Count(
                "partner", filter=attention.no_contact_q(attention.NO_CONTACT_DAYS, day)
            ),
        )
    )
    totals |= {"codes": 0, "no_contact": 0, "older": 0}
    for row in rows:
        totals["codes"] += row["codes"]
        totals["no_contact"] += row["no_contact"]
        if current_version and is_older(row["link_version"], current_version):
            totals["older"] += row["link_in_use"]
    return totals


def cards(
    clients, tally, partner, day: datetime.date, current_version: str
) -> dict[str, list[Card]]:
    counts = card_counts(clients, tally, partner, day, current_version)
    in_use = _status_params(attention.IN_USE)
    by_status = [
        Card(status.value, status.label, _status_params([status]), counts[status.value])
        for status in Status
    ]
    inactive_on = date_format(next_month_start(day), "d/m/Y")
    month = [
        Card(
            "expiring",
            f"Vencem nos próximos {attention.EXPIRING_DAYS} dias",
            (*_status_params(attention.AHEAD), ("vence_em", attention.EXPIRING_DAYS)),
            counts["expiring"],
            "Ativos ou Suspensos",
            "warning",
        ),
        Card(
            "expired",
            f"Expirados — ficam Inativos em {inactive_on}",
            _status_params([Status.EXPIRED]),
            counts[Status.EXPIRED.value],
            "Ainda podem ser renovados",
            "danger",
        ),
        Card(
            "codes",
            "Clientes com código de registro não utilizado",
            (*in_use, ("codigo", "nao-utilizado")),
            counts["codes"],
            "Link em uso que ainda não ativaram (um código por instalação)",
            "warning",
        ),
    ]
    certificates = [
        Card(
            f"cert_{window}",
            f"Certificados vencendo em até {window} dias",
            (*in_use, ("certificado", window)),
            counts[f"cert_{window}"],
            "Navi",
            "warning" if window == attention.CERTIFICATE_WINDOWS[0] else "",
        )
        for window in attention.CERTIFICATE_WINDOWS
    ]
    certificates.append(
        Card(
            "cert_expired",
            "Certificados vencidos",
            (*in_use, ("certificado", attention.CERTIFICATE_EXPIRED)),
            counts["cert_expired"],
            "Navi: não emite NFC-e",
            "danger",
        )
    )
    link = [
        Card(
            "no_contact",
            f"Link sem contato há mais de {attention.NO_CONTACT_DAYS} dias",
            (*in_use, ("sem_contato", attention.NO_CONTACT_DAYS)),
            counts["no_contact"],
            "Instalações ativadas que pararam de verificar",
            "warning",
        )
    ]
    if current_version:
        link.append(
            Card(
                "older",
                f"Link em versão anterior a {current_version}",
                (*in_use, ("versao_anterior", current_version)),
                counts["older"],
                "Versão atual definida pelo fornecedor",
                "warning",
            )
        )
    return {"status": by_status, "month": month, "certificates": certificates, "link": link}


@dataclass(frozen=True)
class CreditCard:
    """Crédito atual: the balance, and whether it covers the renewals ahead (an estimate at
    today's prices: clients.domain.outlook)."""

    balance: int
    upcoming: int

    @property
    def amount(self) -> str:
        return format_brl(self.balance)

    @property
    def short(self) -> bool:
        return self.balance < self.upcoming

    @property
    def note(self) -> str:
        if not self.upcoming:
            return "Ver o extrato"
        days, cost = RENEWAL_OUTLOOK_DAYS, format_brl(self.upcoming)
        if self.short:
            return f"Não cobre as renovações manuais dos próximos {days} dias ({cost})"
        return f"Renovações manuais dos próximos {days} dias: {cost}"


def credit_card(partner, clients, day: datetime.date) -> CreditCard:
    """Three queries: the balance (a primary-key read), the prices, the renewals' licenses."""
    return CreditCard(balance(partner), upcoming_renewals_cost(clients, day))


def _month_label(day: datetime.date) -> str:
    return f"{MONTH_NAMES[day.month - 1]}/{day.year}"


def _months(first: datetime.date) -> list[datetime.date]:
    return [add_months(first, offset) for offset in range(CHART_MONTHS)]


def _as_date(value) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


def expirations_chart(tally, day: datetime.date) -> dict:
    """Vencimentos per month, this month and the next 11, per product (Oculto and Pendente
    clients left out), from the partner's status tally."""
    first = month_start(day)
    months = _months(first)
    rows = (
        tally.filter(
            hidden_at__isnull=True,
            pending_since__isnull=True,
            expires_on__gte=first,
            expires_on__lt=add_months(first, CHART_MONTHS),
        )
        .annotate(month=TruncMonth("expires_on"))
        .order_by()
        .values("month", "product")
        .annotate(count=Sum("clients"))
    )
    counts = {(_as_date(row["month"]), row["product"]): row["count"] for row in rows}
    return _chart(months, counts, [(product.value, product.label) for product in Product])


def new_clients_chart(clients, day: datetime.date) -> dict:
    """Clients registered per month, the last 12 months (this one included)."""
    first = add_months(month_start(day), 1 - CHART_MONTHS)
    months = _months(first)
    rows = (
        clients.filter(registered_on__gte=first)
        .annotate(month=TruncMonth("registered_on"))
        .order_by()
        .values("month", "product")
        .annotate(count=Count("partner"))
    )
    counts = {(_as_date(row["month"]), row["product"]): row["count"] for row in rows}
    return _chart(months, counts, [(product.value, product.label) for product in Product])


def _chart(months, counts, series) -> dict:
    """What the template's table and the chart's JSON both read."""
    labels = [_month_label(month) for month in months]
    datasets = [
        {"label": label, "data": [counts.get((month, key), 0) for month in months]}
        for key, label in series
    ]
    rows = [
        {
            "label": labels[index],
            "values": [dataset["data"][index] for dataset in datasets],
            "total": sum(dataset["data"][index] for dataset in datasets),
        }
        for index in range(len(months))
    ]
    return {
        "labels": labels,
        "datasets": datasets,
        "series": [label for _, label in series],
        "rows": rows,
    }


def home(request):
    """`/`: Início for a partner user; staff go to the admin, visitors to sign in."""
    if request.user.is_authenticated and request.partner is None and request.user.is_staff:
        return redirect("admin:index")
    return start_page(request)


def start_page(request):
    clients, tally = partner_clients(request), partner_tally(request)
    day = today()
    current_version = LinkVersionSetting.current()
    expirations = expirations_chart(tally, day)
    new_clients = new_clients_chart(clients, day)
    context = {
        "cards": cards(clients, tally, request.partner, day, current_version),
        "credit": credit_card(request.partner, clients, day),
        "today": day,
        "charts": [
            {
                "id": "vencimentos",
                "title": "Vencimentos por mês (próximos 12 meses)",
                "caption": "Clientes por mês de vencimento e produto",
                "data": expirations,
            },
            {
                "id": "novos",
                "title": "Novos clientes por mês (últimos 12 meses)",
                "caption": "Clientes cadastrados por mês e produto",
                "data": new_clients,
            },
        ],
    }
    return render(request, "clients/home.html", context)
