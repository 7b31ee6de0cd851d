"""Writing the import's plans: bulk, in the import's transaction, on rows it has locked.

PostgreSQL (`_write_staged`): the planned rows go in with one COPY into a temporary staging
table (with each client's status before and after, computed by clients.domain.status, and a new
Link client's registration code), the license rows to write with another; then one statement
per table — INSERT … SELECT of the new clients, their licenses and codes, the history events
(their before/after JSON built by the database from the staged row and the client's row
before the update), UPDATE … FROM of the changed clients and licenses. Elsewhere
(`_write_batched`): Django's bulk_create/bulk_update, in batches, the events built in Python.
Both write the same rows: the history in the portal's shape (`snapshot`, the portal's event
names: a new client is "cadastrar", a changed one "editar") and one audit log line per client,
as a portal action's. Every updated client gets a new version (clients.services), so a form
loaded before the import cannot undo it.
"""

import itertools
from collections import defaultdict
from types import SimpleNamespace

from django.db import connection
from django.db.models import F, JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from clients.domain.codes import new_registration_codes
from clients.domain.status import client_status
from clients.models import (
    Client,
    ClientEvent,
    Event,
    License,
    Module,
    Origin,
    Product,
    RegistrationCode,
)
from clients.services.recording import SNAPSHOT_FIELDS, audit, audit_line, new_event, snapshot
from clients.transfer.columns import CLIENT_FIELDS, LICENSE_FIELDS
from portal.copying import copy_rows

ACTOR_LABEL = "importação"
# What the history shows of an imported client: the import never reads nor writes the notes.
HISTORY_FIELDS = tuple(name for name in SNAPSHOT_FIELDS if name != "notes")
BATCH_SIZE = 5000


def _licenses(counts: dict) -> dict:
    """The file's counts as the history stores licenses
    (clients.domain.quantities.license_snapshot)."""
    return {LICENSE_FIELDS[field]: {"quantity": count} for field, count in counts.items() if count}


def _history(client, counts: dict) -> dict:
    return {**snapshot(client, HISTORY_FIELDS), "licenses": _licenses(counts)}


def _counts(current: dict) -> dict:
    return {field: current[field] for field in LICENSE_FIELDS}


def _event(client: Client, action: Event, before: dict, after: dict, note: str) -> ClientEvent:
    return new_event(
        client=client,
        action=action,
        actor_label=ACTOR_LABEL,
        before=before,
        after=after,
        note=note,
        origin=Origin.IMPORT,
    )


def write(partner, plans, note: str, progress) -> None:
    now = timezone.now()
    if connection.vendor == "postgresql":
        _write_staged(partner, plans, note, now, progress)
    else:
        _write_batched(partner, plans, note, now, progress)


def _write_batched(partner, plans, note, now, progress) -> None:
    for done, chunk in enumerate(itertools.batched(plans, BATCH_SIZE)):
        creates = [plan for plan in chunk if plan.current is None]
        updates = [plan for plan in chunk if plan.current is not None]
        events = _write_creates(partner, creates, note, now)
        events += _write_updates(partner, updates, note, now)
        insert(ClientEvent, events)
        for event in events:
            audit(event)
        progress("gravando", min((done + 1) * BATCH_SIZE, len(plans)), len(plans))


def _write_creates(partner, plans, note, now) -> list[ClientEvent]:
    clients = [Client(partner=partner, updated_at=now, **plan.facts) for plan in plans]
    insert(Client, clients)
    insert(
        License,
        [
            License(client=client, module=LICENSE_FIELDS[field], quantity=count)
            for client, plan in zip(clients, plans, strict=True)
            for field, count in plan.counts.items()
            if count or LICENSE_FIELDS[field] == Module.MAIN
        ],
    )
    insert(
        RegistrationCode,
        [
            RegistrationCode(client=client, partner_id=client.partner_id)
            for client in clients
            if client.product == Product.LINK
        ],
    )
    return [
        _event(client, Event.REGISTER, {}, _history(client, plan.counts), note)
        for client, plan in zip(clients, plans, strict=True)
    ]


def _write_updates(partner, plans, note, now) -> list[ClientEvent]:
    by_fields, changed_licenses, new_licenses, events = defaultdict(list), [], [], []
    for plan in plans:
        client = Client(id=plan.current["id"], partner=partner, updated_at=now, **plan.facts)
        by_fields[frozenset(plan.changed).difference(LICENSE_FIELDS)].append(client)
        for field in LICENSE_FIELDS.keys() & set(plan.changed):
            module = LICENSE_FIELDS[field]
            license_id = plan.current["license_ids"][module]
            count = plan.counts[field]
            license = License(id=license_id, client=client, module=module, quantity=count)
            (changed_licenses if license_id is not None else new_licenses).append(license)
        before = _history(SimpleNamespace(**plan.current), _counts(plan.current))
        events.append(_event(client, Event.EDIT, before, _history(client, plan.counts), note))
    # One statement per set of changed fields: an import usually changes the same one or two
    # columns on every row, and a field nobody changed is never written. Every updated client
    # (a license count alone too) gets a new version.
    for fields, clients in by_fields.items():
        update(Client, clients, [*sorted(fields), "updated_at"], increment=["version"])
    update(License, changed_licenses, ["quantity", "scheduled_quantity", "scheduled_from"])
    insert(License, new_licenses)
    return events


def insert(model, objects: list) -> None:
    """INSERT `objects` and set their primary keys.

    PostgreSQL: the keys come from the table's sequence, the rows go in with one COPY (several
    times faster than bulk_create's INSERTs). Elsewhere: bulk_create.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    # The database computes generated columns (Client.last_seen_on, search_name) itself.
    fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
            obj._state.adding, obj._state.db = False, connection.alias
        copy_rows(
            cursor,
            meta.db_table,
            [field.column for field in [meta.pk, *fields]],
            ([obj.pk, *(copy_value(field, obj, add=True) for field in fields)] for obj in objects),
        )


def update(model, objects: list, field_names: list[str], increment=()) -> None:
    """UPDATE `field_names` of `objects`, matched by primary key, and add 1 to each column of
    `increment` (the clients' version).

    PostgreSQL: COPY into a temporary table, then one UPDATE ... FROM. Elsewhere: bulk_update.
    """
    if not objects:
        return
    if connection.vendor != "postgresql":
        for obj in objects:
            for name in increment:
                setattr(obj, name, F(name) + 1)
        model.objects.bulk_update(objects, [*field_names, *increment], batch_size=BATCH_SIZE)
        return
    meta, quote = model._meta, connection.ops.quote_name
    fields = [meta.get_field(name) for name in field_names]
    staging = f"import_{meta.db_table}"
    table, temporary = quote(meta.db_table), quote(staging)
    names = [field.column for field in [meta.pk, *fields]]
    columns = [quote(name) for name in names]
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE {temporary} AS "
            f"SELECT {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        copy_rows(
            cursor,
            staging,
            names,
            ([obj.pk, *(copy_value(field, obj) for field in fields)] for obj in objects),
        )
        assignments = ", ".join(
            [f"{column} = new.{column}" for column in columns[1:]]
            + [f"{quote(name)} = {table}.{quote(name)} + 1" for name in increment]
        )
        cursor.execute(
            f"UPDATE {table} SET {assignments} FROM {temporary} AS new "
            f"WHERE {table}.{columns[0]} = new.{columns[0]}"
        )
        cursor.execute(f"DROP TABLE {temporary}")


def copy_value(field, obj, add=False):
    value = field.pre_save(obj, add) if add else getattr(obj, field.attname)
    return Jsonb(value) if isinstance(field, JSONField) and value is not None else value


# The staging tables of the PostgreSQL path (dropped when the import's transaction ends).
STAGED_CLIENTS = "import_client"
STAGED_LICENSES = "import_license"
MODULES = tuple(LICENSE_FIELDS.values())


def _write_staged(partner, plans, note, now, progress) -> None:
    today = timezone.localdate()
    creates = sum(plan.current is None for plan in plans)
    ids = iter(_new_ids(Client, creates))
    links = sum(plan.current is None and plan.facts["product"] == Product.LINK for plan in plans)
    # The new Link clients' registration codes, drawn 1,000 at a time.
    codes = itertools.chain.from_iterable(
        new_registration_codes(len(chunk)) for chunk in itertools.batched(range(links), 1000)
    )
    licenses, audits, shared = [], [], {}

    def staged_clients():
        # Each plan goes once staged (memory: the staged rows are streamed to COPY).
        for index, plan in enumerate(plans):
            plans[index] = None
            yield _staged_client(plan, today, ids, codes, licenses, audits, shared)

    with connection.cursor() as cursor:
        _stage(cursor, staged_clients(), licenses)
        statements = list(
            _statements(
                partner,
                note,
                now,
                creates=creates > 0,
                updates=creates < len(plans),
                new_licenses=any(license_id is None for *_, license_id in licenses),
                changed_licenses=any(license_id is not None for *_, license_id in licenses),
                codes=links > 0,
            )
        )
        progress("gravando", 1, len(statements) + 1)
        for step, (statement, params) in enumerate(statements, start=2):
            cursor.execute(statement, params)
            progress("gravando", step, len(statements) + 1)
    for action, client_id, changed in audits:
        audit_line(
            action=action,
            client_id=client_id,
            partner_id=partner.pk,
            actor_id=None,
            origin=ACTOR_LABEL,
            changed=list(changed),
        )


def _staged_client(plan, today, ids, codes, licenses: list, audits: list, shared: dict) -> list:
    """The row of STAGED_CLIENTS of one plan (`ids`, `codes`: a new client's id and, for Link,
    registration code, taken in turn); its license rows and its audit line's
    (action, client id, changed fields) appended to `licenses` and `audits` (`shared`: one
    tuple per distinct set of changed fields)."""
    facts, counts, current = plan.facts, plan.counts, plan.current
    status = client_status(SimpleNamespace(**facts), today).value
    if current is None:
        client_id, old_status, old_counts = next(ids), None, [None] * len(MODULES)
        code = next(codes) if facts["product"] == Product.LINK else None
        for field, count in counts.items():
            if count or LICENSE_FIELDS[field] == Module.MAIN:
                licenses.append((client_id, LICENSE_FIELDS[field], count, None))
        changed = {*(f for f in HISTORY_FIELDS if facts[f] is not None), "status", "licenses"}
    else:
        client_id, code = current["id"], None
        old_status = client_status(SimpleNamespace(**current), today).value
        old_counts = [current[field] for field in LICENSE_FIELDS]
        changed = {name for name in plan.changed if name in HISTORY_FIELDS}
        for field in LICENSE_FIELDS.keys() & set(plan.changed):
            module = LICENSE_FIELDS[field]
            licenses.append((client_id, module, counts[field], current["license_ids"][module]))
            changed.add("licenses")
        if status != old_status:
            changed.add("status")
    changed = tuple(sorted(changed))
    audits.append(
        (
            Event.REGISTER if current is None else Event.EDIT,
            client_id,
            shared.setdefault(changed, changed),
        )
    )
    return [
        plan.line,
        "c" if current is None else "u",
        client_id,
        status,
        old_status,
        code,
        *(facts[name] for name in CLIENT_FIELDS),
        *(counts[field] for field in LICENSE_FIELDS),
        *old_counts,
    ]


def _new_ids(model, count: int) -> list[int]:
    """`count` primary keys for new rows of `model`, from its table's sequence."""
    if not count:
        return []
    meta = model._meta
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cursor.fetchall()]


def _column(name: str) -> str:
    return connection.ops.quote_name(Client._meta.get_field(name).column)


def _stage(cursor, clients, licenses: list) -> None:
    """COPY `clients` (an iterable, consumed first: it fills `licenses`) and `licenses`."""
    quote = connection.ops.quote_name
    staged, table = quote(STAGED_CLIENTS), quote(Client._meta.db_table)
    fields = ", ".join(_column(name) for name in CLIENT_FIELDS)
    cursor.execute(f"DROP TABLE IF EXISTS {staged}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {staged} ON COMMIT DROP AS "
        f"SELECT id, {fields} FROM {table} WITH NO DATA"
    )
    counts = [f"ADD COLUMN new_{m} integer, ADD COLUMN old_{m} integer" for m in MODULES]
    cursor.execute(
        f"ALTER TABLE {staged} ADD COLUMN line integer, ADD COLUMN kind char(1), "
        "ADD COLUMN status varchar(10), ADD COLUMN old_status varchar(10), "
        f"ADD COLUMN code varchar(23), {', '.join(counts)}"
    )
    copy_rows(
        cursor,
        STAGED_CLIENTS,
        [
            "line",
            "kind",
            "id",
            "status",
            "old_status",
            "code",
            *(Client._meta.get_field(name).column for name in CLIENT_FIELDS),
            *(f"new_{module}" for module in MODULES),
            *(f"old_{module}" for module in MODULES),
        ],
        clients,
    )
    cursor.execute(f"DROP TABLE IF EXISTS {quote(STAGED_LICENSES)}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {quote(STAGED_LICENSES)} (client_id bigint, "
        "module varchar(30), quantity integer, license_id bigint) ON COMMIT DROP"
    )
    copy_rows(cursor, STAGED_LICENSES, ["client_id", "module", "quantity", "license_id"], licenses)
    cursor.execute(f"ANALYZE {staged}")


def _snapshot_json(row: str, status: str, counts: str) -> str:
    """The history's snapshot (services.snapshot over HISTORY_FIELDS, plus the licenses as
    _licenses writes them) as a jsonb expression over the client columns of `row`."""
    fields = ", ".join(f"'{name}', {row}.{_column(name)}" for name in HISTORY_FIELDS)
    licenses = ", ".join(
        f"'{module}', CASE WHEN {counts}_{module} > 0 "
        f"THEN jsonb_build_object('quantity', {counts}_{module}) END"
        for module in MODULES
    )
    return (
        f"jsonb_build_object({fields}, 'status', {status}, "
        f"'licenses', jsonb_strip_nulls(jsonb_build_object({licenses})))"
    )


def _statements(partner, note, now, *, creates, updates, new_licenses, changed_licenses, codes):
    """The writes, one statement per table and kind, in an order the history needs: the
    events read the clients' rows before their UPDATE. A kind of row the import has none of
    (`creates`, `updates`, …: whether it has any) gets no statement: an UPDATE … FROM of no
    rows still reads the whole table it joins (a seq scan of every license)."""
    quote = connection.ops.quote_name
    staged, staged_licenses = quote(STAGED_CLIENTS), quote(STAGED_LICENSES)
    client_table = quote(Client._meta.db_table)
    template = Client(partner=partner, created_at=now, updated_at=now)
    others = [
        field
        for field in Client._meta.concrete_fields
        if not field.primary_key and not field.generated and field.name not in CLIENT_FIELDS
    ]
    columns = ", ".join(quote(f.column) for f in others)
    fields = ", ".join(_column(name) for name in CLIENT_FIELDS)
    if creates:
        yield (
            f"INSERT INTO {client_table} (id, {fields}, {columns}) "
            f"SELECT id, {fields}, {', '.join(['%s'] * len(others))} FROM {staged} "
            "WHERE kind = 'c' ORDER BY line",
            [getattr(template, field.attname) for field in others],
        )
    license_table = quote(License._meta.db_table)
    if new_licenses:
        yield (
            f"INSERT INTO {license_table} (client_id, module, quantity) "
            f"SELECT client_id, module, quantity FROM {staged_licenses} WHERE license_id IS NULL",
            [],
        )
    if changed_licenses:
        yield (
            f"UPDATE {license_table} AS license SET quantity = new.quantity, "
            "scheduled_quantity = NULL, scheduled_from = NULL "
            f"FROM {staged_licenses} AS new WHERE license.id = new.license_id",
            [],
        )
    if codes:
        yield (
            f"INSERT INTO {quote(RegistrationCode._meta.db_table)} "
            "(client_id, partner_id, code, created_at, consumed_at, machine) "
            f"SELECT id, %s, code, %s, NULL, '' FROM {staged} "
            "WHERE code IS NOT NULL ORDER BY line",
            [partner.pk, now],
        )
    after = _snapshot_json("new", "new.status", "new.new")
    # A new client's history starts empty; an updated one's from its row before the UPDATE
    # (joined only when there is one: the join reads the whole clients table).
    before, rows = "'{}'::jsonb", f"{staged} AS new"
    if updates:
        old = _snapshot_json("old", "new.old_status", "new.old")
        before = f"CASE new.kind WHEN 'c' THEN '{{}}'::jsonb ELSE {old} END"
        rows += f" LEFT JOIN {client_table} AS old ON new.kind = 'u' AND old.id = new.id"
    yield (
        f"INSERT INTO {quote(ClientEvent._meta.db_table)} "
        "(client_id, partner_id, origin, actor_id, actor_label, action, at, before, after, note) "
        "SELECT new.id, %s, %s, NULL, %s, CASE new.kind WHEN 'c' THEN %s ELSE %s END, %s, "
        f"{before}, {after}, %s FROM {rows} ORDER BY new.line",
        [partner.pk, Origin.IMPORT.value, ACTOR_LABEL, Event.REGISTER.value, Event.EDIT.value]
        + [now, note],
    )
    if updates:
        assignments = ", ".join(f"{_column(name)} = new.{_column(name)}" for name in CLIENT_FIELDS)
        yield (
            f"UPDATE {client_table} AS client SET {assignments}, "
            f"version = client.version + 1, updated_at = %s "
            f"FROM {staged} AS new WHERE new.kind = 'u' AND client.id = new.id",
            [now],
        )
