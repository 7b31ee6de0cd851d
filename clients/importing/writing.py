"""Writing the import's plans: bulk, in the import's transaction, on rows it has locked.

On PostgreSQL each table gets one COPY per batch (and updates go through a temporary table and
one UPDATE ... FROM), elsewhere Django's bulk_create/bulk_update. The history rows are the
ones clients.services writes (`new_event`, the portal's event names: a new client is
"cadastrar", a changed one "editar"), and each gets its audit log line (`audit`), as a
portal action's does. Every updated client gets a new version (clients.services), so a form
loaded before the import cannot undo it.
"""

import itertools
from collections import defaultdict
from types import SimpleNamespace

from django.db import connection
from django.db.models import F, JSONField
from django.utils import timezone
from psycopg.types.json import Jsonb

from clients.csv_columns import LICENSE_FIELDS
from clients.models import Client, ClientEvent, Event, License, Module, Product, RegistrationCode
from clients.services import SNAPSHOT_FIELDS, audit, new_event, snapshot
from portal.copying import copy_rows

ACTOR_LABEL = "importação"
# What the history shows of an imported client: the import never reads nor writes the notes.
HISTORY_FIELDS = tuple(name for name in SNAPSHOT_FIELDS if name != "notes")
BATCH_SIZE = 5000


def _licenses(counts: dict) -> dict:
    """The file's counts as the history stores licenses (clients.quantities.license_snapshot)."""
    return {LICENSE_FIELDS[field]: {"quantity": count} for field, count in counts.items() if count}


def _history(client, counts: dict) -> dict:
    return {**snapshot(client, HISTORY_FIELDS), "licenses": _licenses(counts)}


def _counts(current: dict) -> dict:
    return {field: current[field] for field in LICENSE_FIELDS}


def _event(client: Client, action: Event, before: dict, after: dict, note: str) -> ClientEvent:
    return new_event(
        client=client, action=action, actor_label=ACTOR_LABEL, before=before, after=after, note=note
    )


def write(partner, plans, note: str, progress) -> None:
    now = timezone.now()
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
