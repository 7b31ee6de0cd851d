"""Money as the portal counts it: centavos (integers), the price list in force on a day, and
what a renewal, a reactivation or an increase of licenses costs (docs/domain.md, "Money").

Only clients renewed by Renovação manual cost the partner credit (`pays`): the vendor charges
the end customer of a Gestão de cobranças client itself.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils.formats import number_format

from clients.domain.dates import add_months, format_day
from clients.domain.quantities import describe_quantity
from clients.models import EntryKind, Module, Price, Renewal


def format_brl(centavos: int) -> str:
    """12345 → 'R$ 123,45'; -500 → '-R$ 5,00' (pt-BR grouping: 'R$ 1.234,56')."""
    text = number_format(Decimal(abs(centavos)) / 100, 2, use_l10n=True, force_grouping=True)
    return f"{'-' if centavos < 0 else ''}R$ {text}"


def prorate(monthly: int, days: int, period_days: int) -> int:
    """`monthly` centavos for `days` days of a `period_days` period, rounded half up (more
    days than the period: a client renewed ahead pays for every day through its vencimento)."""
    if period_days <= 0 or days <= 0:
        return 0
    exact = Decimal(monthly) * days / period_days
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def period_of(expires_on: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The renewal period ending on `expires_on` (valid through it): (first day, last day)."""
    return add_months(expires_on, -1) + datetime.timedelta(days=1), expires_on


def days_left(expires_on: datetime.date, day: datetime.date) -> tuple[int, int]:
    """(days from `day` through `expires_on`, days of the period ending on `expires_on`)."""
    first, last = period_of(expires_on)
    return max(0, (last - day).days + 1), (last - first).days + 1


class PriceList:
    """The monthly price of each (product, module) in force on `day`: one query."""

    def __init__(self, day: datetime.date):
        self.day = day
        self.prices: dict[tuple[str, str], int] = {}
        rows = Price.objects.filter(valid_from__lte=day)
        rows = rows.order_by("product", "module", "-valid_from")
        for product, module, monthly in rows.values_list("product", "module", "monthly"):
            self.prices.setdefault((product, module), monthly)

    def monthly(self, product: str, module: str) -> int:
        """A module without a price costs nothing (the vendor's staff set prices in the admin)."""
        return self.prices.get((product, module), 0)


@dataclass
class ChargeLine:
    module: str
    quantity: int
    amount: int

    def __str__(self):
        return f"{Module(self.module).label}: {describe_quantity(self.module, self.quantity)}"


@dataclass
class Charge:
    """What one change of one client costs: its entry's kind, amount and description."""

    kind: EntryKind
    description: str
    lines: list[ChargeLine] = field(default_factory=list)

    @property
    def amount(self) -> int:
        return sum(line.amount for line in self.lines)

    def __bool__(self):
        return self.amount > 0


def pays(renewal: str) -> bool:
    """Whether the partner pays for a client renewed by `renewal` (Renovação manual)."""
    return renewal == Renewal.MANUAL


def paying_q() -> Q:
    """`pays`'s SQL twin: the clients whose renewals the partner pays for."""
    return Q(renewal=Renewal.MANUAL)


def month_charge(client, counts: dict[str, int], prices: PriceList, kind, description) -> Charge:
    """A whole month of `counts` (module → count) at the list's prices."""
    lines = [
        ChargeLine(module, count, count * prices.monthly(client.product, module))
        for module, count in sorted(counts.items(), key=lambda item: list(Module).index(item[0]))
        if count
    ]
    return Charge(EntryKind(kind), description, lines)


def renewal_charge(client, new_expires_on: datetime.date, prices: PriceList, licenses=None):
    """Renovar: a month of the licenses in force on the new period's first day (a reduction
    scheduled for then is already counted). `licenses`: the client's, if already read."""
    first = client.expires_on + datetime.timedelta(days=1)
    licenses = client.licenses.all() if licenses is None else licenses
    counts = {lic.module: lic.current_quantity(first) for lic in licenses}
    description = f"Renovação até {format_day(new_expires_on)}"
    return month_charge(client, counts, prices, EntryKind.RENEWAL, description)


def reactivation_charge(client, counts: dict[str, int], new_expires_on, prices) -> Charge:
    """Reativar: a month of the licenses in force after the change (`counts`)."""
    description = f"Reativação até {format_day(new_expires_on)}"
    return month_charge(client, counts, prices, EntryKind.REACTIVATION, description)


def increase_charge(client, before: dict[str, int], after: dict[str, int], day, prices):
    """Licenses or modules added mid-period: each added one at its monthly price for the days
    left in the period (through the vencimento); None when nothing is added."""
    left, period = days_left(client.expires_on, day)
    lines = []
    for module in Module:
        added = after.get(module, 0) - before.get(module, 0)
        if added > 0:
            monthly = added * prices.monthly(client.product, module)
            lines.append(ChargeLine(module, added, prorate(monthly, left, period)))
    if not lines:
        return None
    share = f"de {left} de {period} dias" if left <= period else f"a {left} dias"
    description = f"Proporcional {share} (até {format_day(client.expires_on)})"
    return Charge(EntryKind.PROPORTIONAL, description, lines)
