"""The vendor staff's review of a Pendente client (the admin): approve it, or reject it."""

import datetime

from django.db import transaction
from django.utils import timezone

from clients.domain.status import Status, client_status, month_start, today
from clients.models import Client, Event, RegistrationCode
from clients.services.errors import ActionNotAllowed
from clients.services.recording import record_event, snapshot
from clients.services.rows import locked_row, save_version


def client_approve(*, client: Client, by, note: str = "") -> Client:
    """Approve a Pendente client (vendor staff): it leaves Pendente. Only for Pendente."""
    with transaction.atomic():
        locked = locked_row(client)
        if client_status(locked) != Status.PENDING:
            raise ActionNotAllowed("Só um cliente Pendente pode ser aprovado.")
        before = snapshot(locked)
        locked.pending_since = None
        locked.pending_reason = ""
        save_version(locked, ["pending_since", "pending_reason"])
        record_event(
            client=locked,
            action=Event.APPROVE,
            by=by,
            before=before,
            after=snapshot(locked),
            note=note,
        )
    return locked


def client_reject(*, client: Client, by, reason: str) -> Client:
    """Reject a Pendente client (vendor staff), with a reason. Only for Pendente.

    A rejected registration (typically a CPF/CNPJ another partner already has for the
    product) must lose access and leave the partner's list, without losing its history. So
    the client leaves Pendente and ends Inativo and Oculto: its vencimento goes back to the
    last day of the previous month (unless it is already earlier) and it is hidden. Its
    unused registration codes are withdrawn; nothing else is deleted, and the event keeps the
    reason and the facts before and after.
    """
    reason = " ".join((reason or "").split())
    if not reason:
        raise ActionNotAllowed("Informe o motivo da rejeição.")
    with transaction.atomic():
        locked = locked_row(client)
        if client_status(locked) != Status.PENDING:
            raise ActionNotAllowed("Só um cliente Pendente pode ser rejeitado.")
        before = snapshot(locked)
        last_month_end = month_start(today()) - datetime.timedelta(days=1)
        locked.expires_on = min(locked.expires_on, last_month_end)
        locked.pending_since = None
        locked.pending_reason = ""
        locked.hidden_at = timezone.now()
        save_version(locked, ["expires_on", "pending_since", "pending_reason", "hidden_at"])
        # A rejected registration must not be activated by the customer's software.
        RegistrationCode.objects.filter(client=locked, consumed_at__isnull=True).delete()
        record_event(
            client=locked,
            action=Event.REJECT,
            by=by,
            before=before,
            after=snapshot(locked),
            note=reason[:300],
        )
    return locked
