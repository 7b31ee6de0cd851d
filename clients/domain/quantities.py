"""License counts: how a change takes effect (which modules a client may have, and how many:
clients.domain.modules).

Adding takes effect at once; removing takes effect on the first day of the next month
(docs/domain.md, "Licenses and modules"). A reduction waits in `scheduled_quantity` /
`scheduled_from`, and `License.current_quantity(today)` derives the count in force, so nothing
has to run at midnight. Callers hold the client's row lock (clients.services).
"""

import datetime

from django.utils.formats import date_format

from clients.domain.dates import next_month_start
from clients.domain.modules import ON_OFF_MODULES
from clients.models import License


def pending_reduction(license: License, today: datetime.date) -> tuple[int, datetime.date] | None:
    """(count, from) of a reduction that has not taken effect yet, or None."""
    if license.scheduled_from is not None and license.scheduled_from > today:
        return license.scheduled_quantity, license.scheduled_from
    return None


def wanted_quantity(license: License, today: datetime.date) -> int:
    """What the partner last asked for: a pending reduction's count, else the count in force."""
    reduction = pending_reduction(license, today)
    return reduction[0] if reduction else license.current_quantity(today)


def counts_in_force(client, today: datetime.date) -> dict[str, int]:
    """Module → count in force on `today`."""
    return {license.module: license.current_quantity(today) for license in client.licenses.all()}


def counts_after(client, quantities: dict[str, int], today: datetime.date) -> dict[str, int]:
    """The counts in force on `today` once `set_quantities(client, quantities, today)` is done:
    increases now, a reduction only next month."""
    counts = counts_in_force(client, today)
    for module, wanted in quantities.items():
        counts[module] = max(wanted, counts.get(module, 0))
    return counts


def change_of(
    in_force: int, wanted: int, today: datetime.date
) -> tuple[int, int | None, datetime.date | None]:
    """(quantity, scheduled_quantity, scheduled_from) of a license whose count in force is
    `in_force` once `wanted` is asked for: an increase (or the count in force: a pending
    reduction cancelled) now, a reduction from the first day of the next month."""
    if wanted >= in_force:
        return wanted, None, None
    return in_force, wanted, next_month_start(today)


def set_quantities(client, quantities: dict[str, int], today: datetime.date) -> None:
    """Apply the wanted count of each module: increases now, reductions next month.

    Asking again for the count in force cancels a pending reduction; modules left out of
    `quantities` are not touched.
    """
    existing = {license.module: license for license in client.licenses.all()}
    for module, wanted in quantities.items():
        license = existing.get(module)
        if license is None:
            if wanted:
                License.objects.create(client=client, module=module, quantity=wanted)
            continue
        if wanted == wanted_quantity(license, today):
            continue
        license.quantity, license.scheduled_quantity, license.scheduled_from = change_of(
            license.current_quantity(today), wanted, today
        )
        license.save(update_fields=["quantity", "scheduled_quantity", "scheduled_from"])
    # A license may have been added: the client's prefetched licenses (clients.services locks
    # clients with them) would miss it.
    getattr(client, "_prefetched_objects_cache", {}).pop("licenses", None)


def license_snapshot(client, today: datetime.date) -> dict:
    """The licenses as the history stores them: count in force and pending reduction, by module."""
    data = {}
    for license in client.licenses.all():
        entry = {"quantity": license.current_quantity(today)}
        if reduction := pending_reduction(license, today):
            entry["scheduled_quantity"] = reduction[0]
            entry["scheduled_from"] = reduction[1].isoformat()
        if entry["quantity"] or len(entry) > 1:
            data[license.module] = entry
    return data


def describe_quantity(module: str, quantity: int, scheduled=None) -> str:
    """'3 licenças; 2 a partir de 01/12/2026', 'contratado', 'contratado; removido a partir de …'.

    `scheduled` is None or (count, date) of a pending reduction.
    """
    if module in ON_OFF_MODULES:
        text = "contratado" if quantity else "não contratado"
        if scheduled:
            text += f"; removido a partir de {date_format(scheduled[1], 'd/m/Y')}"
        return text
    text = f"{quantity} {'licença' if quantity == 1 else 'licenças'}"
    if scheduled:
        text += f"; {scheduled[0]} a partir de {date_format(scheduled[1], 'd/m/Y')}"
    return text


def describe_license(license: License, today: datetime.date) -> str:
    return describe_quantity(
        license.module, license.current_quantity(today), pending_reduction(license, today)
    )
