"""What the customers' software does through the API: activate with a registration code and
check in with its license key. The views in licenses.api only translate HTTP to these.

Activation consumes a code exactly once: the code's row is locked (select_for_update) and its
`consumed_at` re-read inside the transaction, so of two concurrent activations one wins and the
other sees the code consumed. A check-in is the hot path: one UPDATE … RETURNING and one read
of the licenses in plain SQL, and a history event only when the reported version changes.
"""

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction
from django.utils import timezone

from clients.models import Client
from clients.services import record_event, snapshot
from clients.status import client_status
from licenses import signing
from licenses.models import License, RegistrationCode, new_license_key, normalize_registration_code

# What the history shows before/after an activation or a version change (the key itself, a
# bearer secret, stays out of the history).
CONTACT_FIELDS = ("link_version", "last_seen_at")
ACTOR = "api"


class ApiError(Exception):
    """A refusal the API reports as `{"erro": message}` with `http_status`."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BodyTooLarge(ApiError):
    http_status = 413


class CodeNotFound(ApiError):
    http_status = 404


class CodeAlreadyUsed(ApiError):
    http_status = 409


class KeyNotFound(ApiError):
    http_status = 404


def license_state(client: Client, licenses: Iterable[License]) -> dict:
    """What both endpoints answer about a client: status, vencimento, the licenses in force
    today by module (`principal` is the main count), and the signed token of all that."""
    today = timezone.localdate()
    status = client_status(client, today).value
    vencimento = client.expires_on.isoformat()
    licencas = {lic.module: lic.current_quantity(today) for lic in licenses}
    token = signing.sign(
        {
            "cliente": client.pk,
            "status": status,
            "vencimento": vencimento,
            "licencas": licencas,
            "emitida_em": int(timezone.now().timestamp()),
        }
    )
    return {
        "status": status,
        "vencimento": vencimento,
        "licencas": licencas,
        "licenca_assinada": token,
    }


def client_activate(*, code: str, machine: str, version: str) -> Client:
    """Consume registration `code` for `machine`: the client gets a new license key and the
    reported Link version. Any status may activate (the answer tells the software whether to
    block). Unknown code → CodeNotFound; consumed code → CodeAlreadyUsed."""
    normalized = normalize_registration_code(code)
    with transaction.atomic():
        registration = (
            RegistrationCode.objects.select_for_update().filter(code=normalized).first()
            if normalized
            else None
        )
        if registration is None:
            raise CodeNotFound("Código de registro não encontrado.")
        if registration.is_consumed:
            raise CodeAlreadyUsed("Este código de registro já foi usado.")
        client = Client.objects.select_for_update().get(pk=registration.client_id)
        before = snapshot(client, CONTACT_FIELDS)
        now = timezone.now()
        registration.consumed_at = now
        registration.machine = machine
        registration.save(update_fields=["consumed_at", "machine"])
        client.license_key = new_license_key()
        client.link_version = version
        client.last_seen_at = now
        client.save(update_fields=["license_key", "link_version", "last_seen_at", "updated_at"])
        record_event(
            client=client,
            action="ativar",
            actor_label=ACTOR,
            before=before,
            after=snapshot(client, CONTACT_FIELDS),
            note=f"Código {registration.code} usado na máquina {machine}.",
        )
    return client


class CheckIn(NamedTuple):
    client: Client  # only the status facts, link_version and last_seen_at are loaded
    licenses: list[License]


def client_check_in(*, key: str, version: str) -> CheckIn:
    """Record a check-in: the time of contact and the reported version. Any status may check
    in (the answer carries it). Unknown key → KeyNotFound.

    This is the hot path, every installation calls it: two plain SQL statements (the ORM
    would cost more than the database here), one of them the UPDATE; a lock and a history
    event only when the reported version changes."""
    client = _touch(key.strip().upper(), timezone.now())
    if client is None:
        raise KeyNotFound("Chave não encontrada.")
    if client.link_version != version:
        with transaction.atomic():
            locked = Client.objects.select_for_update().get(pk=client.pk)
            before = snapshot(locked, CONTACT_FIELDS)
            locked.link_version = client.link_version = version
            locked.save(update_fields=["link_version", "updated_at"])
            record_event(
                client=locked,
                action="versao",
                actor_label=ACTOR,
                before=before,
                after=snapshot(locked, CONTACT_FIELDS),
                note=f"Versão do Link informada: {version}.",
            )
    return CheckIn(client, _licenses(client.pk))


_TOUCH_SQL = (
    f"UPDATE {Client._meta.db_table} SET last_seen_at = %s WHERE license_key = %s "
    "RETURNING id, expires_on, suspended_at, pending_since, hidden_at, link_version"
)
# See _touch: the commit of the UPDATE's own transaction does not wait for the disk.
_ASYNC_COMMIT = ", set_config('synchronous_commit', 'off', true)"
_LICENSES_SQL = (
    "SELECT module, quantity, scheduled_quantity, scheduled_from "
    f"FROM {License._meta.db_table} WHERE client_id = %s"
)


def _touch(key: str, now: datetime.datetime) -> Client | None:
    """Set the client's time of contact and read its status facts in one statement
    (UPDATE … RETURNING: PostgreSQL, and SQLite ≥ 3.35).

    On PostgreSQL, outside a caller's transaction, the statement's own commit does not wait for
    the disk (set_config(…, is_local) lasts until that commit): a time of contact lost to a
    crash is harmless — the next check-in writes it again — and that wait would be most of the
    request's time."""
    sql = _TOUCH_SQL
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        sql += _ASYNC_COMMIT
    with connection.cursor() as cursor:
        cursor.execute(sql, [connection.ops.adapt_datetimefield_value(now), key])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, expires_on, suspended_at, pending_since, hidden_at, link_version = row[:6]
    # The status only asks whether the three timestamps are set, so they stay as read.
    return Client(
        pk=pk,
        expires_on=_date(expires_on),
        suspended_at=suspended_at,
        pending_since=pending_since,
        hidden_at=hidden_at,
        link_version=link_version,
        last_seen_at=now,
    )


def _licenses(client_id: int) -> list[License]:
    with connection.cursor() as cursor:
        cursor.execute(_LICENSES_SQL, [client_id])
        rows = cursor.fetchall()
    return [
        License(
            client_id=client_id,
            module=module,
            quantity=quantity,
            scheduled_quantity=scheduled,
            scheduled_from=_date(scheduled_from),
        )
        for module, quantity, scheduled, scheduled_from in rows
    ]


def _date(value) -> datetime.date | None:
    """A date column read by plain SQL (SQLite returns its ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value
