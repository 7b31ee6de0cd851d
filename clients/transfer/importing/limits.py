"""What the partner's own import (Importar clientes) may not do: what costs credit elsewhere.

Renovar, Reativar and an increase in Editar cost a Renovação manual client's partner credit
(clients.services.charges); a Gestão de cobranças client's shop is charged by the vendor, and a
later vencimento for one is a renewal the vendor never recorded as paid. So, whatever the
renewal method, a row of the partner's import is refused when it would move an existing
client's vencimento later, raise a license or module count above the one in force today, or
give a new client a vencimento later than + Novo cliente gives (active_until). An earlier or
equal vencimento, a reduction (from the 1st of next month, by Editar's rule:
clients.domain.quantities.change_of) and the renewal method stay open, as in Editar.

The vendor's staff's `manage.py import_clients` (their own data migration) is not bound by it.
"""

import datetime

from clients.domain.dates import active_until, format_day
from clients.domain.quantities import change_of
from clients.transfer.columns import COLUMN_OF_FIELD, LICENSE_FIELDS

LATER = "O vencimento só avança por Renovar, que usa o crédito: use Renovar na lista de clientes."
MORE = "Aumentos de licenças e módulos são feitos em Editar, que mostra a cobrança proporcional."


def credit_problems(plan, today: datetime.date) -> list[str]:
    """Why the partner's import may not apply `plan` (planning.Plan): a change that costs
    credit elsewhere. A new client may have any licenses, as in + Novo cliente."""
    facts, current = plan.facts, plan.current
    expires_on = facts["expires_on"]
    if current is None:
        latest = active_until(today)
        if expires_on <= latest:
            return []
        return [
            f"vencimento: {format_day(expires_on)} é depois de {format_day(latest)}. Um cliente "
            f"novo vence em no máximo {format_day(latest)}, como no + Novo cliente."
        ]
    problems = []
    if expires_on > current["expires_on"]:
        problems.append(
            f"vencimento: {format_day(expires_on)} é depois do vencimento atual, "
            f"{format_day(current['expires_on'])}. {LATER}"
        )
    for field in LICENSE_FIELDS:
        if plan.counts[field] > current[field]:
            problems.append(
                f"{COLUMN_OF_FIELD[field]}: {plan.counts[field]} é mais que os "
                f"{current[field]} em vigor hoje. {MORE}"
            )
    return problems


def schedule(plan, today: datetime.date) -> dict:
    """The license field → (quantity, scheduled_quantity, scheduled_from) to write for each
    count `plan` changes on an existing client: a reduction from the 1st of next month."""
    counts, current = plan.counts, plan.current
    return {
        field: change_of(current[field], counts[field], today)
        for field in LICENSE_FIELDS
        if field in plan.changed
    }
