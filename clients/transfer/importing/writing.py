"""Writing the import's plans: one staging load, then one statement per table, in the import's
transaction, on rows it has locked.

Python computes each row the import writes — a planned client's facts, its license counts, a
new Link client's registration code, its history event in the portal's shape (`snapshot`: a new
client is "cadastrar", a changed one "editar") — and loads them into two temporary tables
(portal.copying.load_rows). Each table is then written from them by one INSERT … SELECT or
UPDATE … FROM, the same statements on SQLite and PostgreSQL; a new client's rows find it by
its partner, CPF/CNPJ and product (unique). A changed license gets its count and its pending
reduction (none, or the partner's import's, from the 1st of next month). Every updated client
gets a new version (clients.services), so that a form loaded before the import cannot undo
it; every client one audit log line, as a portal action's.
"""

import itertools
from types import SimpleNamespace

from django.db import connection, models
from django.utils import timezone

from clients.domain.codes import new_registration_codes
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
from clients.services.recording import SNAPSHOT_FIELDS, audit_line, snapshot
from clients.transfer.columns import CLIENT_FIELDS, LICENSE_FIELDS
from portal.copying import load_rows

ACTOR_LABEL = "importação"
# What the history shows of an imported client: the import never reads nor writes the notes.
HISTORY_FIELDS = tuple(name for name in SNAPSHOT_FIELDS if name != "notes")

# The temporary tables the plans are loaded into (dropped once written): a row per planned
# client (`kind`: "c" new, "u" changed), and a row per license it creates or changes.
STAGED_CLIENTS = "import_client"
STAGED_LICENSES = "import_license"
CLIENT_COLUMNS = (
    ("line", models.IntegerField()),
    ("kind", models.CharField(max_length=1)),
    ("id", models.BigIntegerField(null=True)),
    *((name, Client._meta.get_field(name)) for name in CLIENT_FIELDS),
    ("code", RegistrationCode._meta.get_field("code")),
    ("action", ClientEvent._meta.get_field("action")),
    ("before", ClientEvent._meta.get_field("before")),
    ("after", ClientEvent._meta.get_field("after")),
)
LICENSE_COLUMNS = (
    ("cpf_cnpj", Client._meta.get_field("cpf_cnpj")),
    ("product", Client._meta.get_field("product")),
    ("module", License._meta.get_field("module")),
    ("quantity", License._meta.get_field("quantity")),
    ("license_id", models.BigIntegerField(null=True)),
    ("scheduled_quantity", License._meta.get_field("scheduled_quantity")),
    ("scheduled_from", License._meta.get_field("scheduled_from")),
)
LICENSE_ID = [name for name, _ in LICENSE_COLUMNS].index("license_id")


def _licenses(counts: dict, pending: dict) -> dict:
    """The counts in force (and `pending`: field → (count, from) of a pending reduction) as
    the history stores licenses (clients.domain.quantities.license_snapshot)."""
    if not pending:
        return {LICENSE_FIELDS[f]: {"quantity": count} for f, count in counts.items() if count}
    data = {}
    for field, count in counts.items():
        entry = {"quantity": count}
        if field in pending:
            entry["scheduled_quantity"], since = pending[field]
            entry["scheduled_from"] = since.isoformat()
        if count or len(entry) > 1:
            data[LICENSE_FIELDS[field]] = entry
    return data


def _history(client, counts: dict, pending=None) -> dict:
    return {**snapshot(client, HISTORY_FIELDS), "licenses": _licenses(counts, pending)}


def _after(plan) -> tuple[dict, dict]:
    """(counts in force, pending reductions) of the partner's import's plan of an existing
    client (`plan.schedule`) once written."""
    current = plan.current
    counts = {field: current[field] for field in LICENSE_FIELDS}
    pending = dict(current["pending"])
    for field, (quantity, scheduled, since) in plan.schedule.items():
        counts[field] = quantity
        pending.pop(field, None)
        if scheduled is not None:
            pending[field] = (scheduled, since)
    return counts, pending


def write(partner, plans, note: str, progress) -> None:
    """Write `plans` (emptied as they are loaded: memory holds the staged rows once)."""
    now = timezone.now()
    creates = sum(plan.current is None for plan in plans)
    links = sum(plan.current is None and plan.facts["product"] == Product.LINK for plan in plans)
    # The new Link clients' registration codes, drawn 1,000 at a time.
    codes = itertools.chain.from_iterable(
        new_registration_codes(len(chunk)) for chunk in itertools.batched(range(links), 1000)
    )
    licenses, audits, shared = [], [], {}

    def staged_clients():
        for index, plan in enumerate(plans):
            plans[index] = None
            yield _staged_client(plan, codes, licenses, audits, shared)

    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, columns in (
            (STAGED_CLIENTS, CLIENT_COLUMNS),
            (STAGED_LICENSES, LICENSE_COLUMNS),
        ):
            cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
            definitions = ", ".join(
                f"{quote(name)} {field.db_type(connection)}" for name, field in columns
            )
            cursor.execute(f"CREATE TEMPORARY TABLE {quote(table)} ({definitions})")
        load_rows(cursor, STAGED_CLIENTS, CLIENT_COLUMNS, staged_clients())
        load_rows(cursor, STAGED_LICENSES, LICENSE_COLUMNS, licenses)
        cursor.execute(f"ANALYZE {quote(STAGED_CLIENTS)}")
        statements = list(
            _statements(
                partner,
                note,
                now,
                creates=creates > 0,
                updates=creates < len(plans),
                new_licenses=any(license[LICENSE_ID] is None for license in licenses),
                changed_licenses=any(license[LICENSE_ID] is not None for license in licenses),
                codes=links > 0,
            )
        )
        ids = {}
        progress("gravando", 1, len(statements) + 1)
        for step, (statement, params) in enumerate(statements, start=2):
            cursor.execute(statement, params)
            if statement.endswith("RETURNING cpf_cnpj, product, id"):
                ids = {(document, product): pk for document, product, pk in cursor.fetchall()}
            progress("gravando", step, len(statements) + 1)
        for table in (STAGED_CLIENTS, STAGED_LICENSES):
            cursor.execute(f"DROP TABLE {quote(table)}")
    for action, client, changed in audits:
        audit_line(
            action=action,
            client_id=ids[client] if isinstance(client, tuple) else client,
            partner_id=partner.pk,
            actor_id=None,
            origin=ACTOR_LABEL,
            changed=list(changed),
        )


def _staged_client(plan, codes, licenses: list, audits: list, shared: dict) -> list:
    """The row of STAGED_CLIENTS of one plan (`codes`: a new Link client's registration code,
    taken in turn); its license rows and its audit line's (action, client key, changed fields)
    appended to `licenses` and `audits` (`shared`: one tuple per distinct set of fields)."""
    facts, counts, current = plan.facts, plan.counts, plan.current
    key = (facts["cpf_cnpj"], facts["product"])
    if plan.schedule is None:
        after = _history(SimpleNamespace(**facts), counts)
    else:
        after = _history(SimpleNamespace(**facts), *_after(plan))
    if current is None:
        action, client_id, before = Event.REGISTER, None, {}
        code = next(codes) if facts["product"] == Product.LINK else None
        for field, count in counts.items():
            if count or LICENSE_FIELDS[field] == Module.MAIN:
                licenses.append((*key, LICENSE_FIELDS[field], count, None, None, None))
    else:
        action, client_id, code = Event.EDIT, current["id"], None
        before = _history(
            SimpleNamespace(**current),
            {field: current[field] for field in LICENSE_FIELDS},
            current.get("pending"),
        )
        writes = plan.schedule or {}
        for field in LICENSE_FIELDS.keys() & set(plan.changed):
            module = LICENSE_FIELDS[field]
            quantity, scheduled, since = writes.get(field, (counts[field], None, None))
            licenses.append(
                (*key, module, quantity, current["license_ids"][module], scheduled, since)
            )
    changed = tuple(sorted(k for k in {*before, *after} if before.get(k) != after.get(k)))
    audits.append((action, client_id or key, shared.setdefault(changed, changed)))
    return [
        plan.line,
        "c" if current is None else "u",
        client_id,
        *(facts[name] for name in CLIENT_FIELDS),
        code,
        action.value,
        before,
        after,
    ]


def _statements(partner, note, now, *, creates, updates, new_licenses, changed_licenses, codes):
    """The writes, one statement per table and kind of row; a kind the plans have none of
    (`creates`, `updates`, …: whether they have any) gets no statement (an UPDATE … FROM of no
    rows still reads the table it joins). The new clients' INSERT returns their ids."""
    quote = connection.ops.quote_name
    staged, staged_licenses = quote(STAGED_CLIENTS), quote(STAGED_LICENSES)
    client_table, license_table = quote(Client._meta.db_table), quote(License._meta.db_table)
    fields = [quote(Client._meta.get_field(name).column) for name in CLIENT_FIELDS]
    # A staged row's client, by its key (a new one has no id until it is inserted).
    by_key = (
        f"JOIN {client_table} AS client ON client.partner_id = %s "
        "AND client.cpf_cnpj = new.cpf_cnpj AND client.product = new.product"
    )
    at = Client._meta.get_field("updated_at").get_db_prep_save(now, connection)
    if creates:
        template = Client(partner=partner, created_at=now, updated_at=now)
        others = [
            field
            for field in Client._meta.concrete_fields
            if not field.primary_key and not field.generated and field.name not in CLIENT_FIELDS
        ]
        yield (
            f"INSERT INTO {client_table} ({', '.join(fields)}, "
            f"{', '.join(quote(field.column) for field in others)}) "
            f"SELECT {', '.join(fields)}, {', '.join(['%s'] * len(others))} FROM {staged} "
            "WHERE kind = 'c' ORDER BY line RETURNING cpf_cnpj, product, id",
            [
                field.get_db_prep_save(field.pre_save(template, True), connection)
                for field in others
            ],
        )
    if updates:
        assignments = ", ".join(f"{field} = new.{field}" for field in fields)
        yield (
            f"UPDATE {client_table} SET {assignments}, version = {client_table}.version + 1, "
            f"updated_at = %s FROM {staged} AS new "
            f"WHERE new.kind = 'u' AND {client_table}.id = new.id",
            [at],
        )
    if new_licenses:
        yield (
            f"INSERT INTO {license_table} (client_id, module, quantity) "
            f"SELECT client.id, new.module, new.quantity FROM {staged_licenses} AS new {by_key} "
            "WHERE new.license_id IS NULL",
            [partner.pk],
        )
    if changed_licenses:
        yield (
            f"UPDATE {license_table} SET quantity = new.quantity, "
            "scheduled_quantity = new.scheduled_quantity, scheduled_from = new.scheduled_from "
            f"FROM {staged_licenses} AS new "
            f"WHERE {license_table}.id = new.license_id",
            [],
        )
    if codes:
        yield (
            f"INSERT INTO {quote(RegistrationCode._meta.db_table)} "
            "(client_id, partner_id, code, created_at, consumed_at, machine) "
            f"SELECT client.id, %s, new.code, %s, NULL, '' FROM {staged} AS new {by_key} "
            "WHERE new.code IS NOT NULL ORDER BY new.line",
            [partner.pk, at, partner.pk],
        )
    yield (
        f"INSERT INTO {quote(ClientEvent._meta.db_table)} "
        "(client_id, partner_id, origin, actor_id, actor_label, action, at, before, after, note) "
        f"SELECT client.id, %s, %s, NULL, %s, new.action, %s, new.before, new.after, %s "
        f"FROM {staged} AS new {by_key} ORDER BY new.line",
        [partner.pk, Origin.IMPORT.value, ACTOR_LABEL, at, note, partner.pk],
    )
