"""What Renovar, Editar and Reativar charge the partner: the price functions `_act` holds, their
read-only preview for the form, and the binding of a confirmation to the amount it showed.

The form shows the charge before it is made (`edit_preview`, no lock, no write); the confirmed
POST carries the amount it showed, and the service refuses (`ChargeChanged`) when the amount
computed on the locked row differs — a price, the counts or the vencimento changed since — so
nobody pays an amount they did not see.
"""

import datetime
from dataclasses import dataclass, field

from clients.domain.actions import Action
from clients.domain.dates import active_until, next_month_start, renewed_until
from clients.domain.modules import validate_quantities
from clients.domain.money import (
    Charge,
    PriceList,
    format_brl,
    increase_charge,
    pays,
    reactivation_charge,
    renewal_charge,
)
from clients.domain.quantities import counts_after, counts_in_force, describe_quantity
from clients.domain.status import today
from clients.models import Client, Module
from clients.services.credit import balance
from clients.services.errors import ActionNotAllowed


def renewal_price(client, day, prices, licenses=None):
    """What Renovar costs: a month of licenses (Renovação manual clients; None otherwise). The
    screens quote it (`licenses`: the client's, if already read); _act charges it, locked."""
    if pays(client.renewal):
        return renewal_charge(client, renewed_until(client.expires_on), prices, licenses)
    return None


def _partner_pays(locked, fields: dict) -> bool:
    """Whether the partner pays for a change that may switch the renewal method: when either
    method is Renovação manual (switching away in the same form does not make it free)."""
    return pays(locked.renewal) or pays(fields.get("renewal", locked.renewal))


def increase_price(fields: dict, licenses: dict | None):
    """What Editar costs: licenses and modules added, for the days left in the period."""

    def price(locked, day, prices):
        if licenses is None or not _partner_pays(locked, fields):
            return None
        validate_quantities(locked.product, licenses)
        before, after = counts_in_force(locked, day), counts_after(locked, licenses, day)
        return increase_charge(locked, before, after, day, prices)

    return price


def reactivation_price(fields: dict, licenses: dict | None):
    """What Reativar costs: a month of the licenses in force after the change."""

    def price(locked, day, prices):
        if not _partner_pays(locked, fields):
            return None
        if licenses is not None:
            validate_quantities(locked.product, licenses)
        counts = counts_after(locked, licenses or {}, day)
        return reactivation_charge(locked, counts, active_until(day), prices)

    return price


PRICES = {Action.EDIT: increase_price, Action.REACTIVATE: reactivation_price}


def amount_of(charge: Charge | None) -> int:
    return charge.amount if charge else 0


class ChargeChanged(ActionNotAllowed):
    """The charge is not the amount the partner confirmed; nothing was changed."""

    def __init__(self, charge: Charge | None, confirmed: int):
        self.charge, self.confirmed = charge, confirmed
        super().__init__(
            f"O valor desta alteração mudou de {format_brl(confirmed)} para "
            f"{format_brl(amount_of(charge))} desde que foi mostrado. Confira e confirme de novo."
        )


def agreed(price, confirmed: int | None):
    """`price`, refusing (ChargeChanged) a charge other than `confirmed` centavos (None: no
    confirmation to keep to — the admin, commands)."""
    if confirmed is None:
        return price

    def checked(locked, day, prices):
        charge = price(locked, day, prices)
        if amount_of(charge) != confirmed:
            raise ChargeChanged(charge, confirmed)
        return charge

    return checked


@dataclass
class EditPreview:
    """What saving the form would do to the partner's credit, today."""

    charge: Charge | None
    balance: int
    # Reductions, as the screens write them: "Link Garçom: 2 licenças; 1 a partir de …".
    reductions: list[str] = field(default_factory=list)
    # The amount an earlier preview showed, when this one differs from it.
    changed_from: int | None = None

    @property
    def worth_showing(self) -> bool:
        return bool(self.amount) or self.changed_from is not None

    @property
    def amount(self) -> int:
        return amount_of(self.charge)

    @property
    def missing(self) -> int:
        return max(0, self.amount - self.balance)

    @property
    def balance_after(self) -> int:
        return self.balance - self.amount

    def summary(self) -> str:
        """'Esta alteração cobra R$ 16,67: Cloud, proporcional de 10 de 30 dias (até …).'"""
        modules = ", ".join(Module(line.module).label for line in self.charge.lines)
        description = self.charge.description[0].lower() + self.charge.description[1:]
        return f"Esta alteração cobra {format_brl(self.amount)}: {modules}, {description}."


def _reductions(client, licenses: dict, day: datetime.date) -> list[str]:
    in_force, starts = counts_in_force(client, day), next_month_start(day)
    return [
        f"{Module(module).label}: {describe_quantity(module, count, (wanted, starts))}"
        for module, count in in_force.items()
        if module in licenses and (wanted := licenses[module]) < count
    ]


def edit_preview(*, client: Client, action: Action, fields: dict, licenses: dict) -> EditPreview:
    """Read-only: what `client_edit` / `client_reactivate` with these values would charge now,
    the partner's balance and the reductions that wait for next month. The service computes
    the charge again on the locked row."""
    day = today()
    current = Client.objects.prefetch_related("licenses").get(pk=client.pk)
    charge = PRICES[Action(action)](fields, licenses)(current, day, PriceList(day))
    reductions = _reductions(current, licenses, day)
    return EditPreview(charge or None, balance(client.partner_id), reductions)
