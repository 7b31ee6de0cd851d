"""How a renewal's cost reads on the screens: the confirmation page, the client page, Renovação
and the bulk preview. The figure is clients.services.charges.renewal_price's (the very charge the
service makes on the locked row); only its words are here."""

from dataclasses import dataclass

from clients.domain.money import Charge, PriceList, format_brl, pays
from clients.domain.quantities import ON_OFF_MODULES, describe_quantity
from clients.models import Module
from clients.services.charges import amount_of, renewal_price

NO_CHARGE = "Esta renovação não usa crédito."
NO_CHARGE_NOTE = "A renovação não usa crédito."
BY_VENDOR = "O fornecedor renova este cliente quando o cliente final paga; não usa o seu crédito."


def describe_lines(charge: Charge) -> str:
    """'3 licenças × R$ 50,00 + Cloud R$ 10,00' (the lines that cost something)."""
    parts = []
    for line in charge.lines:
        if not line.amount:
            continue
        if line.module in ON_OFF_MODULES:
            parts.append(f"{Module(line.module).label} {format_brl(line.amount)}")
            continue
        unit = format_brl(line.amount // line.quantity)
        if line.module == Module.MAIN:
            parts.append(f"{describe_quantity(line.module, line.quantity)} × {unit}")
        else:
            parts.append(f"{line.quantity} {Module(line.module).label} × {unit}")
    return " + ".join(parts)


@dataclass
class RenewalCost:
    """A renewal's cost against the balance: `text` says it; `missing` > 0 refuses it."""

    amount: int
    balance: int
    text: str

    @property
    def missing(self) -> int:
        return max(0, self.amount - self.balance)


def renewal_cost(charge: Charge | None, balance: int) -> RenewalCost:
    """The confirmation page's sentence for `charge` (None: a Gestão de cobranças client)."""
    amount = amount_of(charge)
    if not amount:
        return RenewalCost(0, balance, NO_CHARGE)
    cost = f"Esta renovação custa {format_brl(amount)} ({describe_lines(charge)})"
    if amount > balance:
        text = (
            f"{cost} e o saldo atual é {format_brl(balance)}: faltam "
            f"{format_brl(amount - balance)}. Peça mais crédito ao fornecedor para renovar."
        )
    else:
        text = f"{cost}; saldo atual {format_brl(balance)} → {format_brl(balance - amount)}."
    return RenewalCost(amount, balance, text)


def renewal_note(client, day, licenses) -> str:
    """The client page's line under Renovação: who renews it, and at what cost (`licenses`:
    the client's, already read)."""
    if not pays(client.renewal):
        return BY_VENDOR
    charge = renewal_price(client, day, PriceList(day), licenses)
    if not charge:
        return NO_CHARGE_NOTE
    return (
        f"Cada renovação usa {format_brl(charge.amount)} do seu crédito ({describe_lines(charge)})."
    )
