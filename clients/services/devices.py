"""Liberar dispositivo: release the license key bound to a Link client's device.

A Link installation (a desktop, or a Link Móvel phone) activates with a registration code and
gets the client's one license key; a lost or replaced device keeps that key. Releasing it
clears the key (the old device's next check-in is refused, HTTP 410, licenses.activation),
keeps it as a ReleasedKey, and issues a new registration code for the new device.

At most settings.DEVICE_RELEASES_PER_MONTH releases per client per calendar month (local,
America/Sao_Paulo), counted from the client's history under the client's row lock, so two
requests at once cannot both take the last one.
"""

import datetime

from django.conf import settings
from django.db import transaction

from clients.domain.actions import Action, can
from clients.domain.dates import add_months, format_day, local_midnight
from clients.domain.status import Status, client_status, month_start, today
from clients.models import Client, ClientEvent, Event, RegistrationCode, ReleasedKey
from clients.services import not_allowed_message
from clients.services.errors import ActionNotAllowed
from clients.services.recording import actor_of, record_event, snapshot
from clients.services.rows import locked_row, save_version

ACTION = Action.RELEASE_DEVICE

NO_DEVICE = (
    "Este cliente não tem dispositivo vinculado: o código de registro ainda não foi usado. "
    "Não há o que liberar."
)
ONLY_LINK = "“Liberar dispositivo” é só para clientes Link."


def releases_this_month(client: Client, day: datetime.date | None = None) -> int:
    """How many times the client's device was released in `day`'s calendar month."""
    day = day or today()
    return ClientEvent.objects.filter(
        client=client, action=Event.RELEASE_DEVICE, at__gte=local_midnight(month_start(day))
    ).count()


def cap_message(day: datetime.date) -> str:
    cap = settings.DEVICE_RELEASES_PER_MONTH
    return (
        f"Limite de liberações atingido: este cliente já teve {cap} "
        f"{'liberação' if cap == 1 else 'liberações'} de dispositivo neste mês (o máximo por "
        f"mês). Uma nova liberação será possível a partir de "
        f"{format_day(add_months(month_start(day), 1))}."
    )


def left_message(used: int, day: datetime.date) -> str:
    """How many releases the client has left this month, told before one is used."""
    cap = settings.DEVICE_RELEASES_PER_MONTH
    left = cap - used
    if left > 1:
        return f"Restam {left} de {cap} liberações neste mês."
    return (
        f"Esta é a última liberação possível neste mês (o máximo é {cap}); a próxima, só a "
        f"partir de {format_day(add_months(month_start(day), 1))}."
    )


def bound_machine(client: Client) -> str:
    """The machine the client's key was activated on, as the software reported it ("" if the
    software did not say)."""
    consumed = (
        client.registration_codes.filter(consumed_at__isnull=False)
        .order_by("-consumed_at", "-pk")
        .values_list("machine", flat=True)
        .first()
    )
    return consumed or ""


def waiting_code(client: Client) -> RegistrationCode | None:
    """The registration code waiting for the client's (new) device: the newest unused one."""
    return (
        RegistrationCode.objects.filter(client=client, consumed_at__isnull=True)
        .order_by("-created_at", "-pk")
        .first()
    )


def _refusal(locked: Client, status: Status) -> str:
    """Why the action is not allowed for the locked client (can() decided; this explains)."""
    if not locked.is_link:
        return ONLY_LINK
    if not locked.license_key:
        return NO_DEVICE
    return not_allowed_message(ACTION, status)


def client_release_device(*, client: Client, by) -> Client:
    """Liberar dispositivo: release the client's license key from its device and issue a new
    registration code. Only for Link clients Ativo or Suspenso with a key (a suspension stays
    as it is), and at most DEVICE_RELEASES_PER_MONTH times per calendar month; otherwise
    ActionNotAllowed with the reason, and nothing is changed."""
    with transaction.atomic():
        locked = locked_row(client)
        day = today()
        status = client_status(locked, day)
        if not can(locked, ACTION, status):
            raise ActionNotAllowed(_refusal(locked, status))
        used = releases_this_month(locked, day)
        if used >= settings.DEVICE_RELEASES_PER_MONTH:
            raise ActionNotAllowed(cap_message(day))
        before = snapshot(locked)
        machine = bound_machine(locked)
        ReleasedKey.objects.create(
            key=locked.license_key,
            client=locked,
            machine=machine,
            released_by=actor_of(by),
        )
        locked.license_key = None
        save_version(locked, ["license_key"])
        code = RegistrationCode.objects.create(client=locked)
        device = f"Dispositivo “{machine}” liberado" if machine else "Dispositivo liberado"
        record_event(
            client=locked,
            action=Event.RELEASE_DEVICE,
            by=by,
            before=before,
            after=snapshot(locked),
            note=(
                f"{device} ({used + 1}ª liberação do mês). Novo código de registro: {code.code}."
            )[:300],
        )
    return locked
