"""What the customers' software does through the API: activate with a registration code and
check in with its license key. The views in licenses.api only translate HTTP to these.

Activation consumes a code exactly once: the code's row is locked (select_for_update) and its
`consumed_at` re-read inside the transaction, so of two concurrent activations one wins and the
other sees the code consumed. A check-in is the hot path: it answers from one indexed read of
the client's facts and licenses, writes the time of contact at most once per installation per
CHECK_IN_CONTACT_SECONDS, and locks the client and writes a history event only when the
reported version changes.
"""

import datetime
from collections.abc import Iterable
from typing import NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from clients.domain.codes import new_license_key, normalize_registration_code
from clients.domain.status import client_status
from clients.models import Client, Event, License, Origin, RegistrationCode, ReleasedKey
from clients.services.recording import record_event, snapshot
from licenses import signing

# What the history shows before/after an activation or a version change (the key itself, a
# bearer secret, stays out of the history).
CONTACT_FIELDS = ("link_version", "last_seen_at")
ACTOR = "api"


class LicenseFacts(NamedTuple):
    module: str
    quantity: int
    scheduled_quantity: int | None
    scheduled_from: datetime.date | None

    current_quantity = License.current_quantity  # the model's rule, not a copy of it


class Facts(NamedTuple):
    """What a check-in answers from: duck-types the Client fields clients.domain.status reads."""

    pk: int
    expires_on: datetime.date
    suspended_at: datetime.datetime | None
    pending_since: datetime.datetime | None
    hidden_at: datetime.datetime | None
    link_version: str
    last_seen_at: datetime.datetime | None
    licenses: tuple[LicenseFacts, ...]


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


class KeyReleased(ApiError):
    """The key was released by the partner (Liberar dispositivo): gone for good."""

    http_status = 410


def license_state(client: Client | Facts, licenses: Iterable[License | LicenseFacts]) -> dict:
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
            action=Event.ACTIVATE,
            actor_label=ACTOR,
            origin=Origin.API,
            before=before,
            after=snapshot(client, CONTACT_FIELDS),
            note=f"Código {registration.code} usado na máquina {machine}.",
        )
    return client


# One statement, by the unique index on license_key: the client's facts and its licenses (a
# client without licenses gives one row whose license columns are NULL).
_READ = (
    "SELECT c.id, c.expires_on, c.suspended_at, c.pending_since, c.hidden_at, c.link_version, "
    "c.last_seen_at, l.module, l.quantity, l.scheduled_quantity, l.scheduled_from "
    f"FROM {Client._meta.db_table} c LEFT JOIN {License._meta.db_table} l ON l.client_id = c.id "
    "WHERE c.license_key = %s"
)


def read_facts(key: str) -> Facts | None:
    """The facts of the client with license `key`, or None: one statement through Django's
    cursor. Not the ORM: the same LEFT JOIN through values_list() costs its query building
    at every check-in, and the check-in served 1.4x the requests per second with this
    statement (bench_api, both in one run, directly and through PgBouncer)."""
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor:
        cursor.execute(_READ, [key])
        rows = cursor.fetchall()
    if not rows:
        return None
    pk, expires_on, suspended_at, pending_since, hidden_at, version, seen = rows[0][:7]
    return Facts(
        pk,
        expires_on,
        _aware(suspended_at, db),
        _aware(pending_since, db),
        _aware(hidden_at, db),
        version,
        _aware(seen, db),
        tuple(LicenseFacts(*row[7:]) for row in rows if row[7] is not None),
    )


def _aware(value: datetime.datetime | None, db) -> datetime.datetime | None:
    """A timestamp as the ORM returns it: SQLite's comes back naive, in UTC."""
    if value is None or db.vendor != "sqlite":
        return value
    return db.ops.convert_datetimefield_value(value, None, db)


def client_check_in(*, key: str, version: str) -> Facts:
    """Record a check-in: the time of contact and the reported version. Any status may check
    in (the answer carries it). Unknown key → KeyNotFound.

    This is the hot path, every installation calls it: one read of the facts, and a write only
    when the time of contact is older than CHECK_IN_CONTACT_SECONDS (the UPDATE re-checks it,
    so concurrent check-ins write it once) or the version changed (locked, one history event
    per actual change). A key the partner released → KeyReleased (read only then)."""
    key = key.strip().upper()
    facts = read_facts(key)
    if facts is None:
        raise unknown_key(key)
    now = timezone.now()
    if facts.link_version != version:
        _record_version(facts.pk, version, now)
    else:
        stale = now - datetime.timedelta(seconds=settings.CHECK_IN_CONTACT_SECONDS)
        if facts.last_seen_at is None or facts.last_seen_at < stale:
            _record_contact(facts.pk, now, stale)
    return facts


def unknown_key(key: str) -> ApiError:
    """Why no client has `key`: released from its device by the partner, or never issued."""
    released = ReleasedKey.objects.filter(key=key).values_list("released_at", flat=True).first()
    if released is None:
        return KeyNotFound("Chave não encontrada.")
    return KeyReleased(
        f"Este dispositivo foi liberado pelo parceiro em "
        f"{timezone.localdate(released):%d/%m/%Y}. Ative o Link neste dispositivo com o novo "
        "código de registro."
    )


# The time of contact, only while the stored one is still stale: of concurrent check-ins, one
# writes. (Not the ORM's update(): ~0.3 ms of Python for one fixed statement.)
_CONTACT = (
    f"UPDATE {Client._meta.db_table} SET last_seen_at = %s "
    "WHERE id = %s AND (last_seen_at IS NULL OR last_seen_at < %s)"
)
# On PostgreSQL, outside a caller's transaction, the same statement's commit does not wait for
# the WAL to reach the disk (one query, one implicit transaction, SET LOCAL lasts for it): a
# time of contact lost to a database crash is harmless — the next check-in finds it stale and
# writes it again — and that wait (~5 ms here, far more while the disk is busy) was most of a
# writing check-in's time. The version and its history event stay synchronous.
_CONTACT_ASYNC = "SET LOCAL synchronous_commit TO OFF; " + _CONTACT


def _record_contact(client_id: int, now, stale) -> None:
    db = connections[DEFAULT_DB_ALIAS]
    asynchronous = db.vendor == "postgresql" and not db.in_atomic_block
    adapt = db.ops.adapt_datetimefield_value  # what the ORM does to a datetime (SQLite: text)
    with db.cursor() as cursor:
        cursor.execute(
            _CONTACT_ASYNC if asynchronous else _CONTACT, [adapt(now), client_id, adapt(stale)]
        )


def _record_version(client_id: int, version: str, now) -> None:
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client_id)
        if locked.link_version == version:  # a concurrent check-in recorded it already
            return
        before = snapshot(locked, CONTACT_FIELDS)
        locked.link_version = version
        locked.last_seen_at = now
        locked.save(update_fields=["link_version", "last_seen_at", "updated_at"])
        record_event(
            client=locked,
            action=Event.VERSION,
            actor_label=ACTOR,
            origin=Origin.API,
            before=before,
            after=snapshot(locked, CONTACT_FIELDS),
            note=f"Versão do Link informada: {version}.",
        )
