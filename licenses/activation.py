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

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections, transaction
from django.utils import timezone
from psycopg import pq
from psycopg.adapt import Transformer

from clients.domain.codes import new_license_key, normalize_registration_code
from clients.domain.status import client_status
from clients.models import Client, Event, License, Origin, RegistrationCode
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


# One statement, by the unique index on license_key: the client's facts and its licenses.
_READ = (
    "SELECT c.id, c.expires_on, c.suspended_at, c.pending_since, c.hidden_at, c.link_version, "
    "c.last_seen_at, l.module, l.quantity, l.scheduled_quantity, l.scheduled_from "
    f"FROM {Client._meta.db_table} c LEFT JOIN {License._meta.db_table} l ON l.client_id = c.id "
    "WHERE c.license_key = %s"
)
# On PostgreSQL, the same query inside a PL/pgSQL function (licenses 0008), whose plan the
# server keeps for its connection: planned once, prepared or not (behind PgBouncer in
# transaction mode nothing is prepared), where the statement sent as text is planned at every
# check-in — planning the join costs PostgreSQL ~3× what running it does.
_READ_POSTGRESQL = "SELECT * FROM licenses_check_in_facts(%s)"


def read_facts(key: str) -> Facts | None:
    """The facts of the client with license `key`, or None.

    The read is the request's liveness check: Django's own (CONN_HEALTH_CHECKS, a `SELECT 1`
    before a request's first query, a round trip that cost ~0.15 ms of CPU per check-in) is
    skipped, and a connection found dead by the read itself (the database or the pooler
    restarted since the last request) is replaced and the read, a read, is run again once."""
    db = connections[DEFAULT_DB_ALIAS]
    try:
        rows = _fetch(db, key)
    except (OperationalError, InterfaceError):
        if db.in_atomic_block or db.is_usable():  # not a lost connection, or not ours to close
            raise
        db.close()
        rows = _fetch(db, key)
    if not rows:
        return None
    pk, expires_on, suspended_at, pending_since, hidden_at, version, seen = rows[0][:7]
    convert = db.ops.convert_datetimefield_value if db.vendor == "sqlite" else None
    return Facts(
        pk,
        _date(expires_on),
        _datetime(suspended_at, convert, db),
        _datetime(pending_since, convert, db),
        _datetime(hidden_at, convert, db),
        version,
        _datetime(seen, convert, db),
        tuple(
            LicenseFacts(module, quantity, scheduled, _date(since))
            for *_, module, quantity, scheduled, since in rows
            if module is not None
        ),
    )


def _fetch(db, key: str) -> list[tuple]:
    # What the health check would prove, the read proves: none before it, and none before
    # this request's writes once it succeeded (Django resets the flag at every request).
    db.health_check_done = True
    if db.vendor == "postgresql" and not db.queries_logged:
        with db.wrap_database_errors:  # psycopg's errors as Django's, as its cursor does
            return _fetch_through_libpq(db, key)
    # SQLite; and on PostgreSQL while Django logs the queries (DEBUG, the tests' query
    # counts): the same statement through Django's cursor, which logs it.
    with db.cursor() as cursor:
        cursor.execute(_READ_POSTGRESQL if db.vendor == "postgresql" else _READ, [key])
        return cursor.fetchall()


# The call as libpq takes it, and the name it is prepared under on a connection.
_CALL = _READ_POSTGRESQL.replace("%s", "$1").encode()
_CALL_NAME = b"licenses_check_in_facts"
_NOT_PREPARED = b"26000"  # invalid_sql_statement_name: not prepared on this connection


def _fetch_through_libpq(db, key: str) -> list[tuple]:
    """The read's rows, sent by psycopg's libpq layer and loaded by psycopg's own loaders.

    Through Django's and psycopg's cursors the one statement cost the check-in ~85 µs of CPU
    in a loop in one process and ~0.26 ms in a gunicorn worker under load, about half of it
    their machinery; this is the same statement and the same row types without it (README,
    "Desempenho da verificacao"). Straight to PostgreSQL, outside a transaction (the API's
    requests), the call is a prepared statement, prepared on a connection the first time it
    is missing there — so a `DEALLOCATE ALL` (psycopg sends one after a rollback if it had
    prepared anything itself) costs one more round trip, not an error; inside a transaction,
    where a failed statement would abort it, and behind a pooler in transaction mode
    (prepare_threshold None: nothing may be prepared), the call is sent with its parameter.
    """
    db.ensure_connection()
    connection = db.connection
    pgconn = connection.pgconn
    params = [key.encode()]
    if connection.prepare_threshold is None or db.in_atomic_block:
        result = pgconn.exec_params(_CALL, params)
    else:
        result = pgconn.exec_prepared(_CALL_NAME, params)
        if result.error_field(pq.DiagnosticField.SQLSTATE) == _NOT_PREPARED:
            _check(pgconn.prepare(_CALL_NAME, _CALL), connection)
            result = pgconn.exec_prepared(_CALL_NAME, params)
    _check(result, connection)
    rows = Transformer(connection)
    rows.set_pgresult(result)
    return rows.load_rows(0, result.ntuples, tuple)


def _check(result, connection) -> None:
    """Raise psycopg's error for a result that failed: OperationalError for a connection
    that is gone (the read then reconnects and tries again once), the server's error else."""
    if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
        return
    if connection.pgconn.status == pq.ConnStatus.BAD:
        message = connection.pgconn.error_message.decode(errors="replace")
        raise psycopg.OperationalError(message.strip() or "conexão perdida")
    raise psycopg.errors.error_from_result(result, encoding=connection.info.encoding)


def _date(value) -> datetime.date | None:
    """A date column read by plain SQL (SQLite returns its ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _datetime(value, convert, db):
    """A timestamp read by plain SQL (SQLite returns its text; Django's converter reads it)."""
    return convert(value, None, db) if convert and value is not None else value


def client_check_in(*, key: str, version: str) -> Facts:
    """Record a check-in: the time of contact and the reported version. Any status may check
    in (the answer carries it). Unknown key → KeyNotFound.

    This is the hot path, every installation calls it: one read of the facts, and a write only
    when the time of contact is older than CHECK_IN_CONTACT_SECONDS (the UPDATE re-checks it,
    so concurrent check-ins write it once) or the version changed (locked, one history event
    per actual change)."""
    key = key.strip().upper()
    facts = read_facts(key)
    if facts is None:
        raise KeyNotFound("Chave não encontrada.")
    now = timezone.now()
    if facts.link_version != version:
        _record_version(facts.pk, version, now)
    else:
        stale = now - datetime.timedelta(seconds=settings.CHECK_IN_CONTACT_SECONDS)
        if facts.last_seen_at is None or facts.last_seen_at < stale:
            _record_contact(facts.pk, now, stale)
    return facts


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
