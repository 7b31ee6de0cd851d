"""State changes of clients. Views, the admin and commands change clients only through here.

Each service checks that the change is allowed for the client's status *inside* the
transaction, on the locked row, and writes one ClientEvent per effective change.
"""

from django.db import transaction

from clients.models import Client, ClientEvent
from clients.status import Status, client_status


class ActionNotAllowed(Exception):
    """The action is not allowed for the client's current status; nothing was changed."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Fields shown as "before/after" in the history.
SNAPSHOT_FIELDS = (
    "name",
    "email",
    "uf",
    "city",
    "renewal",
    "expires_on",
    "suspended_at",
    "pending_since",
    "pending_reason",
    "hidden_at",
)


def snapshot(client: Client, fields=SNAPSHOT_FIELDS) -> dict:
    data = {}
    for field in fields:
        value = getattr(client, field)
        data[field] = value.isoformat() if hasattr(value, "isoformat") else value
    data["status"] = client_status(client).value
    return data


def record_event(*, client, action, by=None, actor_label="", before=None, after=None, note=""):
    return ClientEvent.objects.create(
        client=client,
        actor=by if by is not None and by.is_authenticated else None,
        actor_label=actor_label or (by.get_username() if by is not None else "sistema"),
        action=action,
        before=before or {},
        after=after or {},
        note=note,
    )


def _locked(client: Client) -> Client:
    return Client.objects.select_for_update().get(pk=client.pk)


def client_approve(*, client: Client, by, note: str = "") -> Client:
    """Approve a Pendente client (vendor staff): it leaves Pendente. Only for Pendente."""
    with transaction.atomic():
        locked = _locked(client)
        if client_status(locked) != Status.PENDENTE:
            raise ActionNotAllowed("Só um cliente Pendente pode ser aprovado.")
        before = snapshot(locked)
        locked.pending_since = None
        locked.pending_reason = ""
        locked.save(update_fields=["pending_since", "pending_reason", "updated_at"])
        record_event(
            client=locked,
            action="aprovar",
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
    last day of the previous month (unless it is already earlier) and it is hidden. Nothing
    is deleted; the event keeps the reason and the facts before and after.
    """
    # Imported here to keep this service a clean append to the module.
    import datetime

    from django.utils import timezone

    from clients.status import month_start, today

    reason = " ".join((reason or "").split())
    if not reason:
        raise ActionNotAllowed("Informe o motivo da rejeição.")
    with transaction.atomic():
        locked = _locked(client)
        if client_status(locked) != Status.PENDENTE:
            raise ActionNotAllowed("Só um cliente Pendente pode ser rejeitado.")
        before = snapshot(locked)
        last_month_end = month_start(today()) - datetime.timedelta(days=1)
        locked.expires_on = min(locked.expires_on, last_month_end)
        locked.pending_since = None
        locked.pending_reason = ""
        locked.hidden_at = timezone.now()
        locked.save(
            update_fields=[
                "expires_on",
                "pending_since",
                "pending_reason",
                "hidden_at",
                "updated_at",
            ]
        )
        record_event(
            client=locked,
            action="rejeitar",
            by=by,
            before=before,
            after=snapshot(locked),
            note=reason[:300],
        )
    return locked
