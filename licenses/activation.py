"""What the customers' software does through the API: activate with a registration code and
check in with its license key. The views in licenses.api only translate HTTP to these.

Activation consumes a code exactly once: the code's row is locked (select_for_update) and its
`consumed_at` re-read inside the transaction, so of two concurrent activations one wins and the
other sees the code consumed. A check-in is the hot path: one plain SQL statement (UPDATE …
RETURNING with the licenses) and a history event only when the reported version changes.
"""

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connections, transaction
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

    This is the hot path, every installation calls it, and each round trip to the database
    costs about as much as the rest of the request: one SQL statement on PostgreSQL (two on
    SQLite) in the usual case; a lock and a history event only when the version changes."""
    found = _touch(key.strip().upper(), timezone.now())
    if found is None:
        raise KeyNotFound("Chave não encontrada.")
    if found.client.link_version != version:
        _record_version(found.client, version)
    return found


def _record_version(client: Client, version: str) -> None:
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client.pk)
        client.link_version = version
        if locked.link_version == version:  # a concurrent check-in recorded it already
            return
        before = snapshot(locked, CONTACT_FIELDS)
        locked.link_version = version
        locked.save(update_fields=["link_version", "updated_at"])
        record_event(
            client=locked,
            action="versao",
            actor_label=ACTOR,
            before=before,
            after=snapshot(locked, CONTACT_FIELDS),
            note=f"Versão do Link informada: {version}.",
        )


_CLIENT = Client._meta.db_table
_LICENSE = License._meta.db_table
# In the models' field order, as Model.from_db takes them.
_CLIENT_FIELDS = ["id", "expires_on", "suspended_at", "pending_since", "hidden_at", "link_version"]
_LICENSE_FIELDS = ["client_id", "module", "quantity", "scheduled_quantity", "scheduled_from"]
_CLIENT_COLUMNS = ", ".join(_CLIENT_FIELDS)
_LICENSE_COLUMNS = ", ".join(_LICENSE_FIELDS[1:])
_TOUCH = (
    f"UPDATE {_CLIENT} SET last_seen_at = %s WHERE license_key = %s RETURNING {_CLIENT_COLUMNS}"
)
# PostgreSQL: the UPDATE and the licenses in one statement. Outside a caller's transaction,
# set_config(…, is_local) makes this statement's own commit not wait for the disk: a time of
# contact lost to a crash is harmless (the next check-in writes it again), and that wait
# would be most of the request's time. Keyed on "may commit asynchronously".
_TOUCH_PG = {
    async_commit: (
        f"WITH c AS ({_TOUCH}"
        + (
            ", set_config('synchronous_commit', 'off', true) AS async_commit"
            if async_commit
            else ""
        )
        + f") SELECT c.*, l.{_LICENSE_COLUMNS.replace(', ', ', l.')} "
        f"FROM c LEFT JOIN {_LICENSE} l ON l.client_id = c.id"
    )
    for async_commit in (False, True)
}
_LICENSES = f"SELECT {_LICENSE_COLUMNS} FROM {_LICENSE} WHERE client_id = %s"


def _touch(key: str, now: datetime.datetime) -> CheckIn | None:
    """Set the client's time of contact and read its status facts and licenses."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each `connection.x` costs a lookup
    params = [db.ops.adapt_datetimefield_value(now), key]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(_TOUCH_PG[not db.in_atomic_block], params)
            rows = [(row[:6], row[-4:]) for row in cursor.fetchall()]
        else:  # UPDATE … RETURNING needs SQLite ≥ 3.35
            cursor.execute(_TOUCH, params)
            found = cursor.fetchone()
            if found:
                cursor.execute(_LICENSES, [found[0]])
                rows = [(found, row) for row in cursor.fetchall()] or [(found, (None,) * 4)]
            else:
                rows = []
    if not rows:
        return None
    # Model.from_db, as the ORM itself does: the other fields stay deferred, and cheap.
    pk, expires_on, *facts = rows[0][0]
    client = Client.from_db(db.alias, _CLIENT_FIELDS, [pk, _date(expires_on), *facts])
    client.last_seen_at = now
    licenses = [
        License.from_db(db.alias, _LICENSE_FIELDS, [pk, module, quantity, scheduled, _date(since)])
        for _, (module, quantity, scheduled, since) in rows
        if module is not None
    ]
    return CheckIn(client, licenses)


def _date(value) -> datetime.date | None:
    """A date column read by plain SQL (SQLite returns its ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value
