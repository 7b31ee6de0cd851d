"""Bulk actions: the ⋮ menu's service applied to the selected clients, after a preview.

The preview says, per client, what the action will do or why it is not allowed (the same
message as the single action, clients.services.not_allowed_message). It is bound to what it
showed: the confirmation carries a signed token with each allowed client's id, a fingerprint
of its state then and the charge it showed (Bound). Confirming starts a job (jobs.running)
that applies exactly those clients, a chunk at a time: every client of the chunk locked, a
client whose state changed since the preview refused, not changed, the others through the
service the ⋮ menu uses (clients.services.clients_act, which takes one client or many), each
with its own history event — and the chunk's outcome per client written in the same
transaction, so that a run that stops leaves each client either applied and reported or
untouched, and "Tentar novamente" applies only the rest.

Renovar costs credit (Renovação manual clients): the preview shows each client's charge, the
total and the balance, and refuses the batch the balance cannot pay for; the job checks the
total shown against the balance again before its first chunk and refuses the whole run if it
falls short; and each chunk prices its clients again on their locked rows: a client whose
charge is not the one the preview showed (a price changed since) is refused, and one the
credit left cannot pay for too (clients.services.credit.InsufficientCredit) — not changed,
nothing charged.
"""

import hashlib
import itertools
from dataclasses import dataclass
from typing import NamedTuple

from django.core import signing
from django.db import transaction

from clients import services
from clients.domain.actions import Action, can
from clients.domain.dates import format_day
from clients.domain.money import PriceList, format_brl
from clients.domain.status import Status, client_status, today
from clients.models import Client
from clients.services.charges import amount_of, renewal_price
from clients.services.credit import balance
from jobs.models import JobLine
from jobs.running import JobRefused, own

MAX_CLIENTS = 5000
# Clients per transaction of the job: each one's lock and writes stay short, and the progress
# bar moves between them.
CHUNK_SIZE = 250
TOKEN_SALT = "clients.services.bulk"
TOKEN_MAX_AGE = 60 * 60  # seconds a preview stays valid
# The actions offered in bulk (each one of clients.services.clients_act's).
ACTIONS = (Action.RENEW, Action.SUSPEND, Action.UNSUSPEND, Action.HIDE)

# The state a preview is bound to: a change to any of these refuses the client.
BOUND_FIELDS = (
    "version",
    "expires_on",
    "suspended_at",
    "hidden_at",
    "pending_since",
    "updated_at",
)

CHANGED = "O cliente mudou desde a prévia; nada foi feito. Faça uma nova prévia."
GONE = "O cliente não está mais na sua lista; nada foi feito."
TOO_MANY = (
    "Uma ação em lote alcança no máximo {max} clientes; a seleção tem {count}. "
    "Use os filtros para dividir a seleção."
)
INVALID_TOKEN = "Esta prévia expirou ou não é válida; nada foi feito. Faça a seleção de novo."
CHARGE_CHANGED = (
    "O valor da renovação mudou desde a prévia ({shown} → {now}); nada foi feito. "
    "Faça uma nova prévia."
)
SHORT_OF_CREDIT = (
    "Crédito insuficiente para estas renovações: custam {total} e o saldo é {balance}. "
    "Faltam {missing}. Nada foi feito: peça mais crédito ao fornecedor ou selecione menos "
    "clientes."
)


class BulkRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def outcome(action: Action, client: Client) -> str:
    """What the action will do to `client` (which may take it)."""
    if action == Action.RENEW:
        renewed = services.renewed_until(client.expires_on)
        return f"Vencimento {format_day(client.expires_on)} → {format_day(renewed)}"
    if action == Action.SUSPEND:
        return "Será suspenso: o sistema é bloqueado na próxima verificação"
    if action == Action.UNSUSPEND:
        return "A suspensão é cancelada: o acesso volta na próxima verificação"
    return "Sai da lista (vê-se com o filtro “Oculto”)"


def fingerprint(client: Client) -> str:
    state = "|".join(str(getattr(client, name)) for name in BOUND_FIELDS)
    return hashlib.sha256(state.encode()).hexdigest()[:16]


class Bound(NamedTuple):
    """What a preview showed of one allowed client, and so what its confirmation applies to."""

    fingerprint: str
    charge: int  # centavos the preview showed (Renovar; 0 for the other actions)


def bound_rows(bound: dict[int, Bound]) -> list[list]:
    """`bound` as the token and the job's arguments carry it: [id, fingerprint, charge], by id."""
    return [[pk, *bound[pk]] for pk in sorted(bound)]


def bound_of(rows) -> dict[int, Bound]:
    return {pk: Bound(print_, charge) for pk, print_, charge in rows}


@dataclass
class Line:
    client: Client
    status: Status
    allowed: bool
    message: str  # the outcome, or why it will not happen
    charge: int = 0  # centavos the action costs the partner (Renovar)


@dataclass
class Preview:
    action: Action
    lines: list[Line]
    token: str
    balance: int = 0  # the partner's credit when the preview was made

    @property
    def allowed(self) -> list[Line]:
        return [line for line in self.lines if line.allowed]

    @property
    def refused(self) -> list[Line]:
        return [line for line in self.lines if not line.allowed]

    @property
    def total(self) -> int:
        return sum(line.charge for line in self.lines if line.allowed)

    @property
    def short_of_credit(self) -> str:
        """Why the batch is refused as a whole ("" when the balance pays for it)."""
        return short_of_credit(self.total, self.balance)


def short_of_credit(total: int, balance: int) -> str:
    if total <= balance:
        return ""
    return SHORT_OF_CREDIT.format(
        total=format_brl(total), balance=format_brl(balance), missing=format_brl(total - balance)
    )


def check_size(count: int) -> None:
    if count > MAX_CLIENTS:
        raise BulkRefused(TOO_MANY.format(max=_n(MAX_CLIENTS), count=_n(count)))


def _n(number: int) -> str:
    return f"{number:,}".replace(",", ".")


def preview(*, action: Action, clients, partner, user) -> Preview:
    """The preview of `action` over `clients` (a queryset of the partner's clients)."""
    action = Action(action)
    if action not in ACTIONS:
        raise BulkRefused("Ação em lote desconhecida.")
    selected = clients.order_by("name", "pk")
    if action == Action.RENEW:  # each one's charge, from its licenses: one query for all
        selected = selected.prefetch_related("licenses")
    selected = list(selected[: MAX_CLIENTS + 1])
    if len(selected) > MAX_CLIENTS:
        check_size(clients.count())
    day = today()
    price = _renewal_pricer(day) if action == Action.RENEW else None
    lines = []
    for client in selected:
        status = client_status(client, day)
        if can(client, action, status):
            charge = price(client) if price else 0
            lines.append(Line(client, status, True, outcome(action, client), charge))
        else:
            lines.append(
                Line(client, status, False, services.not_allowed_message(action, status, client))
            )
    bound = {
        line.client.pk: Bound(fingerprint(line.client), line.charge)
        for line in lines
        if line.allowed
    }
    token = signing.dumps(
        {"a": action.value, "p": partner.pk, "u": user.pk, "c": bound_rows(bound)},
        salt=TOKEN_SALT,
        compress=True,
    )
    return Preview(action, lines, token, balance(partner) if price else 0)


def _renewal_pricer(day):
    """A client's renewal charge in centavos, at the prices in force on `day` (read once)."""
    prices = PriceList(day)

    def price(client) -> int:
        return amount_of(renewal_price(client, day, prices))

    return price


def check_credit(partner_id: int, clients, bound: dict[int, Bound]) -> None:
    """Before a bulk renewal's first chunk: refuse the whole run (JobRefused) if the partner's
    balance cannot pay what the preview showed for the `bound` clients still unchanged and
    renewable. The chunks charge each client on its locked row anyway (and refuse one whose
    charge is no longer the one shown); this spares a run that would stop half-way for lack
    of credit."""
    day, total = today(), 0
    for chunk in itertools.batched(bound, CHUNK_SIZE):
        for client in clients.filter(pk__in=chunk):
            shown = bound[client.pk]
            if fingerprint(client) == shown.fingerprint and can(
                client, Action.RENEW, client_status(client, day)
            ):
                total += shown.charge
    if message := short_of_credit(total, balance(partner_id)):
        raise JobRefused(message, retryable=True)


@dataclass
class Result:
    client_id: int
    name: str
    done: bool
    message: str


def read_token(*, token: str, partner, user) -> tuple[Action, dict[int, Bound]]:
    """The action and the bound clients (id → Bound) of a preview's token, if it is
    valid, recent and this partner user's (BulkRefused otherwise)."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise BulkRefused(INVALID_TOKEN) from None
    if data.get("p") != partner.pk or data.get("u") != user.pk:
        raise BulkRefused(INVALID_TOKEN)
    bound = bound_of(data["c"])
    check_size(len(bound))
    return Action(data["a"]), bound


def job_title(action: Action, count: int) -> str:
    return f"{action.label} em lote: {_n(count)} cliente{'s' if count != 1 else ''}"


def apply_bound(*, action: Action, bound: dict[int, Bound], clients, user) -> list[Result]:
    """Apply the preview to the `bound` clients (id → what the preview showed) of `clients`:
    the action's service (clients.services.clients_act, the very code the ⋮ menu runs for one
    client) over them, locked all at once; a client changed since the preview, whose renewal
    no longer costs what the preview showed, or no longer allowed, is refused with the
    reason; one no longer in `clients`, reported gone."""
    price_lists = {}  # the day's prices, read once (a chunk running past midnight: twice)

    def unchanged_since_preview(locked):
        # Seen after the lock: a change committed meanwhile shows here.
        shown = bound[locked.pk]
        if fingerprint(locked) != shown.fingerprint:
            raise services.ActionNotAllowed(CHANGED)
        if action == Action.RENEW:
            # Read after clients_act's own day, so never a day earlier than the one it charges.
            day = today()
            if day not in price_lists:
                price_lists[day] = PriceList(day)
            now = amount_of(renewal_price(locked, day, price_lists[day]))
            if now != shown.charge:
                raise services.ActionNotAllowed(
                    CHARGE_CHANGED.format(shown=format_brl(shown.charge), now=format_brl(now))
                )

    outcomes = services.clients_act(
        clients=clients.filter(pk__in=bound), action=action, by=user, guard=unchanged_since_preview
    )
    results = [
        Result(o.client.pk, o.client.name, False, o.refusal.message)
        if o.refusal
        else Result(o.client.pk, o.client.name, True, done_message(action, o.client))
        for o in outcomes
    ]
    found = {o.client.pk for o in outcomes}
    results += [Result(pk, "", False, GONE) for pk in bound if pk not in found]
    return results


def apply(job, progress) -> None:
    """The bulk job's work (clients.tasks.apply_bulk): the bound clients its lines do not
    report yet, CHUNK_SIZE per transaction, each transaction also writing its clients'
    outcome — only while this run still owns the job (jobs.running.own)."""
    action = Action(job.arguments["action"])
    bound = bound_of(job.arguments["bound"])
    reported = set(JobLine.objects.filter(job=job).values_list("subject_id", flat=True))
    remaining = sorted(pk for pk in bound if pk not in reported)
    done = len(bound) - len(remaining)
    progress(done, len(bound), "aplicando")
    clients = Client.objects.filter(partner_id=job.partner_id)
    if action == Action.RENEW and remaining:
        check_credit(job.partner_id, clients, {pk: bound[pk] for pk in remaining})
    for chunk in itertools.batched(remaining, CHUNK_SIZE):
        with transaction.atomic():
            own(job)
            results = apply_bound(
                action=action, bound={pk: bound[pk] for pk in chunk}, clients=clients, user=job.user
            )
            JobLine.objects.bulk_create(
                JobLine(
                    job=job,
                    attempt=job.attempt,
                    subject_id=result.client_id,
                    label=result.name[:300],
                    ok=result.done,
                    message=result.message,
                )
                for result in results
            )
        done += len(chunk)
        progress(done)


def done_message(action: Action, client: Client) -> str:
    if action == Action.RENEW:
        return f"Renovado até {format_day(client.expires_on)}"
    return {
        Action.SUSPEND: "Suspenso",
        Action.UNSUSPEND: "Suspensão cancelada",
        Action.HIDE: "Ocultado",
    }[action]
