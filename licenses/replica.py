"""What a check-in answers, read from the database or from this process's replica of it.

A check-in answers from a client's *facts* — the status facts, the reported Link version and
the licenses — and records the time of contact. `touch()` does both in the database in one
statement. It is the whole cost of a check-in that is not the request itself, so on
PostgreSQL each app process also keeps `replica`: the facts of every activated client in
memory, which answers a check-in without a round trip to the database.

The replica is kept current by PostgreSQL itself. Triggers (migration licenses 0005) send a
notification on the channel `CHANNEL` with the license key whenever the facts of a client with
a key change: any UPDATE, DELETE or TRUNCATE of clients or licenses, whatever made it (services,
the admin, the import, a bulk update, psql). A thread of each process LISTENs on its own
connection and forgets each notified key, which the next check-in then reads from the
database again. PostgreSQL delivers a notification at its transaction's commit, in commit
order: a change is visible to the check-ins that arrive after it reaches the processes,
typically within a millisecond of the commit (`sync()` waits for it).

The same thread writes the times of contact of the check-ins it answered, in one statement per
`CHECK_IN_FLUSH_SECONDS` that skips the rows other transactions hold, committed without
waiting for the disk (a time of contact lost to a crash is harmless: the next check-in writes
it again).

If the listening connection fails, or its notifications stop arriving (it notifies itself
every PING_SECONDS to know), the process forgets the whole replica and answers from the
database until it has listened and loaded again: it never answers from facts it may have
missed a change to. The status itself is derived at each check-in from the facts and today
(clients.status), so the passing of days needs no notification.
"""

import atexit
import contextlib
import datetime
import logging
import os
import threading
import time
import uuid
from typing import NamedTuple

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction

from clients.models import Client, License

logger = logging.getLogger(__name__)

CHANNEL = "licenses_check_in"
FORGET_ALL = "*"  # the payload of a TRUNCATE
SYNC_PREFIX = "sync:"
PING_PREFIX = "ping:"
PING_SECONDS = 5  # how often the listener checks that notifications still arrive…
PING_DEADLINE = 5  # …and how long its own may take
WAKE_SECONDS = 0.5  # how long the listener waits for notifications before its other chores


class LicenseFacts(NamedTuple):
    module: str
    quantity: int
    scheduled_quantity: int | None
    scheduled_from: datetime.date | None

    current_quantity = License.current_quantity  # the model's rule, not a copy of it


class Facts(NamedTuple):
    """What a check-in answers from: duck-types the Client fields clients.status reads."""

    pk: int
    expires_on: datetime.date
    suspended_at: datetime.datetime | None
    pending_since: datetime.datetime | None
    hidden_at: datetime.datetime | None
    link_version: str
    licenses: tuple[LicenseFacts, ...]


_CLIENT = Client._meta.db_table
_LICENSE = License._meta.db_table
_CLIENT_FIELDS = "id, expires_on, suspended_at, pending_since, hidden_at, link_version"
_LICENSE_FIELDS = "l.module, l.quantity, l.scheduled_quantity, l.scheduled_from"
_CLIENT_FIELDS_OF_C = "c." + _CLIENT_FIELDS.replace(", ", ", c.")  # from a row aliased `c`
_TOUCH = f"UPDATE {_CLIENT} SET last_seen_at = %s WHERE license_key = %s RETURNING {_CLIENT_FIELDS}"
# PostgreSQL: the UPDATE and the licenses in one statement. Outside a caller's transaction,
# set_config(…, is_local) makes this statement's own commit not wait for the disk: a time of
# contact lost to a crash is harmless, and that wait would be most of the request's time.
_TOUCH_PG = {
    async_commit: (
        f"WITH c AS ({_TOUCH}"
        + (", set_config('synchronous_commit', 'off', true) AS _" if async_commit else "")
        + f") SELECT {_CLIENT_FIELDS_OF_C}, {_LICENSE_FIELDS} "
        f"FROM c LEFT JOIN {_LICENSE} l ON l.client_id = c.id"
    )
    for async_commit in (False, True)
}
_LICENSES = f"SELECT {_LICENSE_FIELDS} FROM {_LICENSE} l WHERE l.client_id = %s"
# Every activated client, the most recently seen first (so that a capped replica holds the
# clients that check in), each client's rows together.
_LOAD = (
    f"SELECT c.license_key, {_CLIENT_FIELDS_OF_C}, {_LICENSE_FIELDS} "
    f"FROM (SELECT license_key, {_CLIENT_FIELDS}, last_seen_at FROM {_CLIENT} "
    "      WHERE license_key IS NOT NULL ORDER BY last_seen_at DESC NULLS LAST, id LIMIT %s) c "
    f"LEFT JOIN {_LICENSE} l ON l.client_id = c.id "
    "ORDER BY c.last_seen_at DESC NULLS LAST, c.id"
)
# The buffered times of contact, never moving one back. Rows another transaction holds are
# skipped (SKIP LOCKED); the answer names the keys dealt with: written, already later, or of
# no client any more. The others are kept for the next flush.
_FLUSH = (
    "WITH v AS (SELECT * FROM unnest(%s::varchar[], %s::timestamptz[]) AS v(license_key, seen)), "
    f"held AS (SELECT c.id, v.license_key, v.seen FROM {_CLIENT} c "
    "          JOIN v ON c.license_key = v.license_key FOR UPDATE OF c SKIP LOCKED), "
    f"written AS (UPDATE {_CLIENT} c SET last_seen_at = held.seen FROM held "
    "             WHERE c.id = held.id AND (c.last_seen_at IS NULL OR c.last_seen_at < held.seen)) "
    "SELECT license_key FROM held "
    "UNION ALL SELECT license_key FROM v WHERE NOT EXISTS "
    f"(SELECT 1 FROM {_CLIENT} c WHERE c.license_key = v.license_key)"
)


def touch(key: str, now: datetime.datetime) -> Facts | None:
    """Set the client's time of contact in the database and read its facts."""
    db = connections[DEFAULT_DB_ALIAS]  # looked up once: each `connection.x` costs a lookup
    params = [db.ops.adapt_datetimefield_value(now), key]
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(_TOUCH_PG[not db.in_atomic_block], params)
            rows = cursor.fetchall()
        else:  # UPDATE … RETURNING needs SQLite ≥ 3.35
            cursor.execute(_TOUCH, params)
            found = cursor.fetchone()
            if found is None:
                return None
            cursor.execute(_LICENSES, [found[0]])
            rows = [found + row for row in cursor.fetchall()] or [found + (None,) * 4]
    return facts_from_rows(rows) if rows else None


def facts_from_rows(rows) -> Facts:
    """One client's facts from its rows: the client's six columns, then a license's four
    (None when it has none)."""
    pk, expires_on, suspended_at, pending_since, hidden_at, version = rows[0][:6]
    return Facts(
        pk,
        _shared(_date(expires_on)),
        suspended_at,
        pending_since,
        hidden_at,
        _shared(version),
        _shared(
            tuple(
                LicenseFacts(module, quantity, scheduled, _date(since))
                for *_, module, quantity, scheduled, since in rows
                if module is not None
            )
        ),
    )


# Equal values the clients share — a date, a version, a set of licenses — are kept once: a
# replica of a million clients holds a few thousand of them, not a million of each.
_SHARED: dict = {}
_SHARED_MAX = 100_000


def _shared(value):
    if len(_SHARED) >= _SHARED_MAX:
        _SHARED.clear()
    return _SHARED.setdefault(value, value)


def _date(value) -> datetime.date | None:
    """A date column read by plain SQL (SQLite returns its ISO text)."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


class Replica:
    """This process's copy of every activated client's facts, by license key (module doc).

    The request threads call `get`, `seen` and `remember`; one thread of the process listens,
    loads, forgets and flushes. `generation` counts forgettings: a request that read facts
    from the database remembers them only if nothing was forgotten meanwhile, or it could
    store facts older than a change it was told about.
    """

    def __init__(self):
        self.live = False  # listening and loaded: `get` answers
        self.loads = 0  # how many times it has loaded (once, plus once per lost connection)
        self.generation = 0
        self._facts: dict[str, Facts] = {}
        self._seen: dict[str, datetime.datetime] = {}
        self._lock = threading.Lock()
        self._synced = threading.Condition(self._lock)
        self._sync_tokens: set[str] = set()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid: int | None = None
        self._exit_registered = False
        self._listening = None  # the listener's connection (psycopg)

    # -- the request side -------------------------------------------------------------------

    def get(self, key: str) -> Facts | None:
        """The facts of `key`, if the replica is live and holds them. Starts the replica on
        the first call in a process (lazily: after gunicorn forks its workers)."""
        if self._pid != os.getpid():
            self.start()
        return self._facts.get(key) if self.live else None

    def seen(self, key: str, now: datetime.datetime) -> None:
        """Record a time of contact, for the next flush."""
        with self._lock:
            self._seen[key] = now

    def remember(self, key: str, facts: Facts, generation: int) -> None:
        """Keep facts read from the database at `generation` (see the class doc)."""
        with self._lock:
            if (
                self.live
                and generation == self.generation
                and len(self._facts) < settings.CHECK_IN_REPLICA_SIZE
            ):
                self._facts[key] = facts

    def __len__(self) -> int:
        return len(self._facts)

    # -- the process's life -----------------------------------------------------------------

    def start(self) -> None:
        """Start listening, on PostgreSQL and with CHECK_IN_REPLICA; otherwise do nothing
        (`get` then answers None, and check-ins go to the database)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._reset()
            if not settings.CHECK_IN_REPLICA or connections[DEFAULT_DB_ALIAS].vendor != (
                "postgresql"
            ):
                return
            self._stopping = threading.Event()
            self._thread = threading.Thread(
                target=self._run, args=(self._stopping,), name="check-in-replica", daemon=True
            )
            self._thread.start()
            if not self._exit_registered:
                atexit.register(self.stop)  # a last flush when the process ends
                self._exit_registered = True

    def stop(self, timeout: float = 10) -> None:
        """Stop listening, after a last flush; the next `get` starts again. A thread that does
        not end in time is disowned: it can no longer change the replica."""
        with self._lock:
            thread, self._thread, self._pid = self._thread, None, None
            self._reset()
            self._stopping.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    def wait_live(self, timeout: float = 30) -> bool:
        """Wait until the replica answers (listening and loaded); False after `timeout`."""
        deadline = time.monotonic() + timeout
        while not self.live and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.live

    def sync(self, timeout: float = 10) -> bool:
        """Wait until this process has been told of every change committed before the call:
        a notification sent now arrives after theirs (PostgreSQL delivers in commit order)."""
        token = uuid.uuid4().hex
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, SYNC_PREFIX + token])
        with self._synced:
            arrived = self._synced.wait_for(lambda: token in self._sync_tokens, timeout)
            self._sync_tokens.discard(token)
            return arrived

    def _reset(self) -> None:
        """Forget everything (with the lock held)."""
        self.live = False
        self.generation += 1
        self._facts = {}

    # -- the listening thread ---------------------------------------------------------------

    def _mine(self) -> bool:
        """Whether the calling thread is the replica's listener (with the lock held)."""
        return self._thread is threading.current_thread()

    def _run(self, stopping: threading.Event) -> None:
        connection = connections[DEFAULT_DB_ALIAS]  # this thread's own
        failures = 0
        while not stopping.is_set():
            began = time.monotonic()
            try:
                self._listen(connection, stopping)
            except Exception:
                # Listening for a while, then lost: try again at once; else back off.
                failures = 0 if time.monotonic() - began > 60 else failures + 1
                logger.exception("Réplica da verificação: conexão perdida; respondendo do banco")
            finally:
                with self._lock:
                    if self._mine():
                        self._reset()
            try:
                self._flush(connection)  # what the last round left, if the database is back
            except Exception:
                logger.warning("Réplica da verificação: horários de contato não gravados")
            with contextlib.suppress(Exception):  # already broken
                connection.close()
            # Check-ins meanwhile go to the database, as without a replica.
            stopping.wait(min(2**failures - 1, 30))

    def _listen(self, connection, stopping: threading.Event) -> None:
        connection.ensure_connection()
        pg = self._listening = connection.connection
        pg.execute(f"LISTEN {CHANNEL}")
        started = time.monotonic()
        self._load(connection)
        logger.info(
            "Réplica da verificação: %d chaves carregadas em %.1f s",
            len(self._facts),
            time.monotonic() - started,
        )
        flush_at = ping_at = time.monotonic()
        ping = None  # the token of the ping on its way, and when it must be back
        while not stopping.is_set():
            for notification in pg.notifies(timeout=WAKE_SECONDS):
                if ping and notification.payload == PING_PREFIX + ping[0]:
                    ping = None
                else:
                    self._told(notification.payload)
            now = time.monotonic()
            if ping and now > ping[1]:
                raise ConnectionError("as notificações deixaram de chegar")
            if not ping and now >= ping_at:
                # Notifications can stop while queries still work (a pooler in transaction
                # mode, a half-open connection): a notification to itself proves they arrive.
                ping, ping_at = (uuid.uuid4().hex, now + PING_DEADLINE), now + PING_SECONDS
                pg.execute("SELECT pg_notify(%s, %s)", [CHANNEL, PING_PREFIX + ping[0]])
            if now >= flush_at:
                self._flush(connection)
                flush_at = now + settings.CHECK_IN_FLUSH_SECONDS

    def _load(self, connection) -> None:
        facts: dict[str, Facts] = {}
        with transaction.atomic(using=connection.alias), connection.chunked_cursor() as cursor:
            cursor.execute(_LOAD, [settings.CHECK_IN_REPLICA_SIZE])
            key, rows = None, []
            while batch := cursor.fetchmany(5000):
                for row in batch:
                    if row[0] != key:
                        if rows:
                            facts[key] = facts_from_rows(rows)
                        key, rows = row[0], []
                    rows.append(row[1:])
            if rows:
                facts[key] = facts_from_rows(rows)
        with self._lock:
            if not self._mine():
                return
            self._facts = facts
            # A request that read from the database before the LISTEN may have read facts
            # older than the load's, with no notification to come: it must not keep them.
            self.generation += 1
        # Changes committed since LISTEN were notified meanwhile, and wait on the connection:
        # apply them before answering from what the load read.
        for notification in connection.connection.notifies(timeout=0):
            self._told(notification.payload)
        with self._lock:
            if self._mine():
                self.loads += 1
                self.live = True

    def _told(self, payload: str) -> None:
        with self._lock:
            if payload.startswith(SYNC_PREFIX):
                self._sync_tokens.add(payload.removeprefix(SYNC_PREFIX))
                self._synced.notify_all()
                return
            if payload.startswith(PING_PREFIX) or not self._mine():
                return  # another process's ping; or this thread was disowned
            self.generation += 1
            if payload == FORGET_ALL:
                self._facts = {}
            else:
                self._facts.pop(payload, None)

    def _flush(self, connection) -> None:
        """Write the buffered times of contact. Rows another transaction holds (an import, an
        action) are skipped, not waited for: their times stay buffered for the next flush, so
        the flush never holds up, nor deadlocks with, the portal's own work."""
        with self._lock:
            seen, self._seen = self._seen, {}
        if not seen:
            return
        keys = list(seen)
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
                cursor.execute(_FLUSH, [keys, [seen[key] for key in keys]])
                done = {key for (key,) in cursor.fetchall()}
        except DatabaseError:
            done = set()
            if not connection.is_usable():
                raise
            logger.warning("Réplica da verificação: horários de contato não gravados")
        finally:
            with self._lock:  # the others wait for the next flush, unless newer ones came
                for key in seen.keys() - done:
                    self._seen.setdefault(key, seen[key])


replica = Replica()
