"""State changes of clients. Views, the admin and commands change clients only through here.

Each service checks that the change is allowed for the client's status *inside* the
transaction, on the locked row, and writes one ClientEvent per effective change.
"""

import datetime
import logging

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clients.actions import Action, can
from clients.dates import add_months
from clients.documents import normalize_document
from clients.models import Client, ClientEvent, Partner, RegistrationCode
from clients.quantities import license_snapshot, set_quantities, validate_quantities
from clients.status import Status, client_status, month_start, today

audit_log = logging.getLogger("portal.audit")


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
    event = ClientEvent.objects.create(
        client=client,
        actor=by if by is not None and by.is_authenticated else None,
        actor_label=actor_label or (by.get_username() if by is not None else "sistema"),
        action=action,
        before=before or {},
        after=after or {},
        note=note,
    )
    # One structured line per action: which fields changed, never their values (e-mails,
    # keys, reasons stay in the history, out of the logs).
    changed = sorted(
        k for k in {*event.before, *event.after} if event.before.get(k) != event.after.get(k)
    )
    audit_log.info(
        "%s client=%s",
        action,
        client.pk,
        extra={
            "action": action,
            "client": client.pk,
            "partner": client.partner_id,
            "actor": event.actor_id,
            "origin": event.actor_label,
            "changed": changed,
        },
    )
    return event


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


# ---------------------------------------------------------------------------------------------
# The ⋮-menu actions. Each accepts exactly the statuses clients.actions.ACTION_TABLE allows.

# What Editar, Reativar and Novo cliente may set on a client (besides its licenses).
EDITABLE_FIELDS = ("name", "email", "uf", "city", "renewal")


def full_snapshot(client: Client, today) -> dict:
    """`snapshot()` plus the licenses, for the actions that change them."""
    return {**snapshot(client), "licenses": license_snapshot(client, today)}


def not_allowed_message(action: Action, status: Status) -> str:
    return f"“{action.label}” não está disponível para um cliente {status.label}."


def _act(client: Client, action: Action, by, change) -> Client:
    """Lock the row, re-check the table, apply `change(locked, today)`, record one event.

    `change` sets attributes on the locked client and returns the names of the fields it set;
    it may also change related rows (licenses) under the same lock. No event is written when
    nothing changed.
    """
    with transaction.atomic():
        locked = _locked(client)
        status = client_status(locked)
        if not can(locked, action, status):
            raise ActionNotAllowed(not_allowed_message(action, status))
        day = today()
        before = full_snapshot(locked, day)
        fields = change(locked, day)
        if fields:
            locked.save(update_fields=[*fields, "updated_at"])
        after = full_snapshot(locked, day)
        if after != before:
            record_event(client=locked, action=action.value, by=by, before=before, after=after)
    return locked


def client_suspend(*, client: Client, by) -> Client:
    """Suspender: cut the client's access; the license stays active. Only for Ativo."""

    def change(locked, day):
        locked.suspended_at = timezone.now()
        return ["suspended_at"]

    return _act(client, Action.SUSPEND, by, change)


def client_unsuspend(*, client: Client, by) -> Client:
    """Cancelar suspensão: give the access back. Only for Suspenso."""

    def change(locked, day):
        locked.suspended_at = None
        return ["suspended_at"]

    return _act(client, Action.UNSUSPEND, by, change)


def client_hide(*, client: Client, by) -> Client:
    """Ocultar: take the client off the list (the "Oculto" filter still shows it). Inativo only."""

    def change(locked, day):
        locked.hidden_at = timezone.now()
        return ["hidden_at"]

    return _act(client, Action.HIDE, by, change)


def client_unhide(*, client: Client, by) -> Client:
    """Reexibir: back on the list, as Inativo. Only for Oculto."""

    def change(locked, day):
        locked.hidden_at = None
        return ["hidden_at"]

    return _act(client, Action.UNHIDE, by, change)


def client_renew(*, client: Client, by) -> Client:
    """Renovar: vencimento + one calendar month from the current vencimento.

    Only for Expirado, and for Ativo with Renovação manual. A suspension stays as it is.
    """

    def change(locked, day):
        locked.expires_on = add_months(locked.expires_on, 1)
        return ["expires_on"]

    return _act(client, Action.RENEW, by, change)


def _edit(fields: dict, licenses: dict):
    """The change Editar and Reativar share: the client's data and its license counts."""

    def change(locked, day):
        validate_quantities(locked.product, licenses)
        changed = [name for name in EDITABLE_FIELDS if getattr(locked, name) != fields[name]]
        for name in changed:
            setattr(locked, name, fields[name])
        set_quantities(locked, licenses, day)
        return changed

    return change


def client_edit(*, client: Client, by, fields: dict, licenses: dict) -> Client:
    """Editar: name, e-mail, UF, cidade, renewal method and license counts. Ativo or Suspenso.

    `fields` holds every name of EDITABLE_FIELDS, already validated (clients.forms);
    `licenses` maps module → wanted count (clients.quantities.set_quantities).
    """
    return _act(client, Action.EDIT, by, _edit(fields, licenses))


def client_reactivate(*, client: Client, by, fields: dict, licenses: dict) -> Client:
    """Reativar: Editar's changes, vencimento one calendar month from today, suspension
    cleared — the client becomes Ativo. Only for Inativo."""
    edit = _edit(fields, licenses)

    def change(locked, day):
        changed = edit(locked, day)
        locked.expires_on = add_months(day, 1)
        locked.suspended_at = None
        return [*changed, "expires_on", "suspended_at"]

    return _act(client, Action.REACTIVATE, by, change)


DUPLICATE_REASON = "CPF/CNPJ já cadastrado por outro parceiro para este produto."


class DuplicateClient(Exception):
    """The partner already has a client with this CPF/CNPJ for this product."""


def client_register(
    *, partner: Partner, by, cpf_cnpj: str, product: str, fields: dict, licenses: dict
) -> Client:
    """+ Novo cliente: Ativo with vencimento one calendar month from today.

    If another partner already has a client with this CPF/CNPJ and product, the new client is
    saved as Pendente with that reason, for the vendor to review. A Link client gets a
    registration code. Raises DuplicateClient when the partner registers the same one twice.
    """
    day = today()
    validate_quantities(product, licenses)
    cpf_cnpj = normalize_document(cpf_cnpj)
    same = Client.objects.filter(cpf_cnpj=cpf_cnpj, product=product)
    try:
        with transaction.atomic():
            lock_document(cpf_cnpj, product)
            if same.filter(partner=partner).exists():
                raise DuplicateClient
            client = Client(
                partner=partner,
                cpf_cnpj=cpf_cnpj,
                product=product,
                registered_on=day,
                expires_on=add_months(day, 1),
                **{name: fields[name] for name in EDITABLE_FIELDS},
            )
            if same.exclude(partner=partner).exists():
                client.pending_since = timezone.now()
                client.pending_reason = DUPLICATE_REASON
            client.save()
            set_quantities(client, licenses, day)
            if client.is_link:
                RegistrationCode.objects.create(client=client)
            record_event(client=client, action="cadastrar", by=by, after=full_snapshot(client, day))
    except IntegrityError:
        # The same partner registered it at the same moment in another request.
        if same.filter(partner=partner).exists():
            raise DuplicateClient from None
        raise
    return client


def document_lock_key(cpf_cnpj: str, product: str) -> str:
    return f"client:{cpf_cnpj}:{product}"


def lock_document(cpf_cnpj: str, product: str) -> None:
    """Registrations of one CPF/CNPJ and product wait for each other until the transaction
    ends, so that of two partners registering it at once the second sees the first and ends
    Pendente. PostgreSQL: a transaction-level advisory lock; SQLite writes one transaction at a
    time anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            key = document_lock_key(cpf_cnpj, product)
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


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
        # A rejected registration must not be activated by the customer's software.
        RegistrationCode.objects.filter(client=locked, consumed_at__isnull=True).delete()
        record_event(
            client=locked,
            action="rejeitar",
            by=by,
            before=before,
            after=snapshot(locked),
            note=reason[:300],
        )
    return locked
