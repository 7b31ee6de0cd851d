"""What the coming renewals will cost the partner: Início's low-credit hint.

The renewals ahead are those of Renovação manual clients (the only ones that cost the partner:
clients.domain.money.pays) that are Expirado, or Ativo with a vencimento in the next
RENEWAL_OUTLOOK_DAYS days. Each costs what `renewal_charge` would charge: a month of the
licenses in force on its new period's first day (the day after its vencimento), at the prices
in force — today's, so the sum is an estimate (a price may change before the renewal).

`upcoming_renewals_cost` is the SQL twin of summing `renewal_charge` over those clients: one
aggregate over their licenses by product and module, whatever their number
(tests/test_credit_home.py proves the two equal).
"""

import datetime

from django.db.models import DateField, ExpressionWrapper, F, Q, Sum

from clients.domain.attention import expiring_q
from clients.domain.money import PriceList, paying_q
from clients.domain.status import Status, status_q
from clients.models import License

RENEWAL_OUTLOOK_DAYS = 30


def upcoming_renewals_q(day: datetime.date) -> Q:
    """Renovação manual clients to renew soon: Expirado, or Ativo and due within the days."""
    soon = status_q(Status.ACTIVE, day) & expiring_q(RENEWAL_OUTLOOK_DAYS, day)
    return paying_q() & (soon | status_q(Status.EXPIRED, day))


def upcoming_renewals_cost(clients, day: datetime.date, prices: PriceList | None = None) -> int:
    """The centavos the renewals ahead of `clients` (a partner's scoped queryset) would cost
    at the prices in force on `day`: two queries (the price list, the licenses' sums)."""
    prices = prices or PriceList(day)
    renewed_from = ExpressionWrapper(
        F("client__expires_on") + datetime.timedelta(days=1), output_field=DateField()
    )
    in_force = License.quantity_in_force("", renewed_from)
    rows = (
        License.objects.filter(client__in=clients.filter(upcoming_renewals_q(day)).values("pk"))
        .order_by()
        .values("client__product", "module")
        .annotate(count=Sum(in_force))
    )
    return sum(
        (row["count"] or 0) * prices.monthly(row["client__product"], row["module"]) for row in rows
    )
