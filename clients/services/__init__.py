"""State changes of clients. Views, the admin and commands change clients only through here.

Each service checks that the change is allowed for the client's status *inside* the
transaction, on the locked row, and writes one ClientEvent per effective change (and one
audit log line). Every change adds 1 to `Client.version`; a service given the
`expected_version` a form was loaded with refuses (`StaleClient`) when it differs, so a form
opened before someone else's change cannot undo it.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from clients.domain.actions import Action, barred_by_renewal, can
from clients.domain.dates import active_until, renewed_until
from clients.domain.documents import normalize_document
from clients.domain.modules import validate_quantities
from clients.domain.money import PriceList
from clients.domain.quantities import license_snapshot, set_quantities
from clients.domain.status import (
    HIDE_ONLY_INACTIVE,
    Status,
    client_status,
    duplicate_facts,
    may_be_hidden,
    today,
)
from clients.models import Client, ClientEvent, Event, RegistrationCode
from clients.services.charges import agreed, increase_price, reactivation_price, renewal_price
from clients.services.credit import Till
from clients.services.errors import ActionNotAllowed
from clients.services.recording import audit, new_event, record_event, snapshot
from partners.models import Partner

# Rows per UPDATE / INSERT when a service changes many clients at once.
BATCH_SIZE = 1000


STALE_MESSAGE = (
    "Este cliente foi alterado por outra pessoa depois que você abriu esta página. "
    "Recarregue a página e tente de novo."
)


class StaleClient(ActionNotAllowed):
    """The form was loaded before another change to the client; nothing was changed."""

    def __init__(self):
        super().__init__(STALE_MESSAGE)


# ---------------------------------------------------------------------------------------------
# The ⋮-menu actions. Each accepts exactly the statuses clients.domain.actions.ACTION_TABLE allows.

# What Editar, Reativar and Novo cliente may set on a client (besides its licenses).
EDITABLE_FIELDS = ("name", "email", "uf", "city", "renewal")
# What staff may set in the admin's change form: plain data, no status fact.
STAFF_EDITABLE_FIELDS = (*EDITABLE_FIELDS, "notes")


def full_snapshot(client: Client, today) -> dict:
    """`snapshot()` plus the licenses, for the actions that change them."""
    return {**snapshot(client), "licenses": license_snapshot(client, today)}


def not_allowed_message(action: Action, status: Status, client: Client | None = None) -> str:
    """Why `action` is refused; with `client`, also when its renewal method is the reason."""
    if client is not None and barred_by_renewal(client, action, status):
        return RENEWED_BY_VENDOR.format(action=action.label)
    return f"“{action.label}” não está disponível para um cliente {status.label}."


# Renovar spends the partner's credit; the vendor renews a Gestão de cobranças client itself.
RENEWED_BY_VENDOR = (
    "“{action}” não está disponível para um cliente com Gestão de cobranças: o fornecedor o "
    "renova quando o cliente final paga."
)


@dataclass
class Outcome:
    """What a service did to one client of its set: `client` as locked (with the change, if
    any), or `refusal`, why nothing was done to it (the pt-BR message)."""

    client: Client
    refusal: ActionNotAllowed | None = None


def lock_clients(clients: QuerySet) -> list[Client]:
    """The clients of the queryset, their rows locked until the transaction ends, in id order
    (two services locking overlapping sets cannot deadlock), with their licenses."""
    return list(clients.select_for_update().order_by("pk").prefetch_related("licenses"))


def _act(
    clients: QuerySet, action: Action | None, by, change, guard=None, price=None, record=None
) -> list[Outcome]:
    """Lock the clients, and for each: `guard(locked)` (may raise ActionNotAllowed: a form or
    a preview out of date), re-check the table on the locked row, hold what the change costs
    the partner (`price(locked, today, prices)`, a clients.domain.money.Charge or None; a
    client the remaining credit cannot pay for is refused, InsufficientCredit), apply
    `change(locked, today, now)`. Then save every changed client (one UPDATE), its event (one
    INSERT) and its charge in the partner's extrato (clients.services.credit.Till).

    `change(locked, today, now)` sets attributes on the locked client (`now`: the moment of
    the change, one for the whole set) and returns the names of the fields it set;
    it may also change related rows (licenses) under the same lock, or refuse the client by
    raising ActionNotAllowed. No event is written, and nothing charged, for a client that did
    not change. `action` None: no status restriction (staff edits in the admin; `guard` may
    check one), each event an Editar noted as the admin's, or `record` (event action, note).
    One client or 5,000: the same code, the same rule, one event each.
    """
    outcomes, changed, fields, events = [], [], set(), []
    till, prices = Till(), None
    with transaction.atomic():
        day, now = today(), timezone.now()
        for locked in lock_clients(clients):
            debit = None
            try:
                if guard is not None:
                    guard(locked)
                status = client_status(locked, day)
                if action is not None and not can(locked, action, status):
                    raise ActionNotAllowed(not_allowed_message(action, status, locked))
                if price is not None:
                    prices = prices or PriceList(day)
                    debit = till.reserve(locked, price(locked, day, prices))
                before = full_snapshot(locked, day)
                set_fields = change(locked, day, now)
            except ActionNotAllowed as refusal:
                till.release(debit)
                outcomes.append(Outcome(locked, refusal))
                continue
            outcomes.append(Outcome(locked))
            after = full_snapshot(locked, day)
            if after == before:
                till.release(debit)
                continue
            # A license change alone is a new version too: the Editar form shows the counts.
            locked.version += 1
            locked.updated_at = now
            fields.update(set_fields)
            changed.append(locked)
            if action is not None:
                recorded, note = Event(action.value), ""
            else:
                recorded, note = record or (Event.EDIT, "Alterado na administração.")
            event = new_event(
                client=locked, action=recorded, by=by, before=before, after=after, note=note
            )
            events.append(event)
            if debit is not None:
                debit.event = event
        _save_all(changed, fields - {"version", "updated_at"}, now)
        ClientEvent.objects.bulk_create(events, batch_size=BATCH_SIZE)
        till.pay(by)
        for event in events:
            audit(event)
    return outcomes


def _save_all(changed: list[Client], fields: set[str], now) -> None:
    """Write `fields` of the changed (locked) clients, each as one more version: one UPDATE
    per distinct set of new values (one for a suspension of 5,000 clients, one per vencimento
    for a renewal) — Django's bulk_update, a CASE per row, took seconds for 1,000 clients."""
    if len(changed) == 1:
        # save() also reloads the generated columns (search_name) of the returned client.
        changed[0].save(update_fields=[*sorted(fields), "version", "updated_at"])
        return
    groups = defaultdict(list)
    for client in changed:
        groups[tuple((name, getattr(client, name)) for name in sorted(fields))].append(client.pk)
    for values, pks in groups.items():
        for start in range(0, len(pks), BATCH_SIZE):
            Client.objects.filter(pk__in=pks[start : start + BATCH_SIZE]).update(
                **dict(values), version=F("version") + 1, updated_at=now
            )


def _one(client: Client, outcomes: list[Outcome]) -> Client:
    """The single-client form of a service: the changed client, or its refusal raised."""
    if not outcomes:
        raise Client.DoesNotExist(f"Client {client.pk} does not exist.")
    (outcome,) = outcomes
    if outcome.refusal is not None:
        raise outcome.refusal
    return outcome.client


def _just(client: Client) -> QuerySet:
    return Client.objects.filter(pk=client.pk)


def _expect_version(expected_version: int | None):
    """The guard of a form loaded at `expected_version` (None: no form, no guard)."""
    if expected_version is None:
        return None

    def guard(locked):
        if locked.version != expected_version:
            raise StaleClient

    return guard


# The actions without a form: what each changes on a locked client it is allowed for.


def _suspend(locked, day, now):
    locked.suspended_at = now
    return ["suspended_at"]


def _unsuspend(locked, day, now):
    locked.suspended_at = None
    return ["suspended_at"]


def _hide(locked, day, now):
    if not may_be_hidden(locked, day):
        raise ActionNotAllowed(HIDE_ONLY_INACTIVE)
    locked.hidden_at = now
    return ["hidden_at"]


def _unhide(locked, day, now):
    locked.hidden_at = None
    return ["hidden_at"]


def _renew(locked, day, now):
    locked.expires_on = renewed_until(locked.expires_on)
    return ["expires_on"]


CHANGES = {
    Action.SUSPEND: _suspend,
    Action.UNSUSPEND: _unsuspend,
    Action.HIDE: _hide,
    Action.UNHIDE: _unhide,
    Action.RENEW: _renew,
}


def clients_act(*, clients: QuerySet, action: Action, by, guard=None) -> list[Outcome]:
    """An action without a form (Suspender, Cancelar suspensão, Ocultar, Reexibir, Renovar)
    on every client of `clients`: each locked, re-checked and changed as the single-client
    service below does (which is this, with one client), each with its own event; a client
    the action is not allowed for is left unchanged, with the reason in its Outcome. The bulk
    actions' `guard` refuses a client changed since their preview."""
    action = Action(action)
    price = renewal_price if action == Action.RENEW else None
    return _act(clients, action, by, CHANGES[action], guard, price)


def client_suspend(*, client: Client, by) -> Client:
    """Suspender: cut the client's access; the license stays active. Only for Ativo."""
    return _one(client, clients_act(clients=_just(client), action=Action.SUSPEND, by=by))


def client_unsuspend(*, client: Client, by) -> Client:
    """Cancelar suspensão: give the access back. Only for Suspenso."""
    return _one(client, clients_act(clients=_just(client), action=Action.UNSUSPEND, by=by))


def client_hide(*, client: Client, by) -> Client:
    """Ocultar: take the client off the list (the "Oculto" filter still shows it). Inativo only."""
    return _one(client, clients_act(clients=_just(client), action=Action.HIDE, by=by))


def client_unhide(*, client: Client, by) -> Client:
    """Reexibir: back on the list, as Inativo. Only for Oculto."""
    return _one(client, clients_act(clients=_just(client), action=Action.UNHIDE, by=by))


def client_renew(*, client: Client, by, confirmed_charge: int | None = None) -> Client:
    """Renovar: vencimento + one calendar month from the current vencimento.

    Only for Renovação manual clients, Expirado or Ativo (the vendor renews a Gestão de
    cobranças client when its end customer pays). Costs a month of the licenses in force on the
    new period's first day (InsufficientCredit if the balance cannot pay). A suspension stays.
    `confirmed_charge`: the centavos the confirmation page showed; any other charge on the
    locked row is refused (ChargeChanged) — None: no page to keep to (the admin, commands).
    """
    price = agreed(renewal_price, confirmed_charge)
    return _one(client, _act(_just(client), Action.RENEW, by, _renew, None, price))


def _edit(fields: dict, licenses: dict | None):
    """The change Editar, Reativar and the admin share: the client's data (the names in
    `fields`) and, unless None, its license counts."""

    def change(locked, day, now):
        if licenses is not None:
            validate_quantities(locked.product, licenses)
        changed = [name for name in fields if getattr(locked, name) != fields[name]]
        for name in changed:
            setattr(locked, name, fields[name])
        if licenses is not None:
            set_quantities(locked, licenses, day)
        return changed

    return change


def client_edit(
    *,
    client: Client,
    by,
    fields: dict,
    licenses: dict,
    expected_version: int | None = None,
    confirmed_charge: int | None = None,
) -> Client:
    """Editar: name, e-mail, UF, cidade, renewal method and license counts. Ativo or Suspenso.

    `fields` holds every name of EDITABLE_FIELDS, already validated (clients.screen.forms);
    `licenses` maps module → wanted count (clients.domain.quantities.set_quantities);
    `expected_version` is the client's version when the form was loaded (StaleClient if not);
    `confirmed_charge`, the centavos the form showed and the partner confirmed (ChargeChanged
    if the increase costs anything else now; clients.services.charges).
    """
    change = _edit(fields, licenses)
    price = agreed(increase_price(fields, licenses), confirmed_charge)
    guard = _expect_version(expected_version)
    return _one(client, _act(_just(client), Action.EDIT, by, change, guard, price))


def client_reactivate(
    *,
    client: Client,
    by,
    fields: dict | None = None,
    licenses: dict | None = None,
    expected_version: int | None = None,
    confirmed_charge: int | None = None,
) -> Client:
    """Reativar: Editar's changes (none: data and licenses as they are — the admin's action),
    vencimento one calendar month from today, suspension cleared — the client becomes Ativo.
    Only for Inativo. `confirmed_charge` as in client_edit (the month at the new counts)."""
    edit = _edit(fields or {}, licenses)

    def change(locked, day, now):
        changed = edit(locked, day, now)
        locked.expires_on = active_until(day)
        locked.suspended_at = None
        return [*changed, "expires_on", "suspended_at"]

    guard = _expect_version(expected_version)
    price = agreed(reactivation_price(fields or {}, licenses), confirmed_charge)
    return _one(client, _act(_just(client), Action.REACTIVATE, by, change, guard, price))


def client_staff_edit(
    *, client: Client, by, expected_version: int, fields: dict | None = None, licenses=None
) -> Client:
    """The admin's change form (vendor staff), in any status: plain data (names of
    STAFF_EDITABLE_FIELDS, validated by the form) and/or license counts (the portal's rule:
    increases now, reductions on the 1st of next month). Status facts change only through the
    other services. Refused (StaleClient) when the form is older than the client's version."""
    change = _edit(fields or {}, licenses)
    return _one(client, _act(_just(client), None, by, change, _expect_version(expected_version)))


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
                expires_on=active_until(day),
                **{name: fields[name] for name in EDITABLE_FIELDS},
            )
            if same.exclude(partner=partner).exists():
                for name, value in duplicate_facts(timezone.now()).items():
                    setattr(client, name, value)
            client.save()
            set_quantities(client, licenses, day)
            if client.is_link:
                RegistrationCode.objects.create(client=client)
            record_event(
                client=client, action=Event.REGISTER, by=by, after=full_snapshot(client, day)
            )
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
