"""Bulk actions: the ⋮ menu's service applied to the selected clients, after a preview.

The preview says, per client, what the action will do or why it is not allowed (the same
message as the single action, clients.services.not_allowed_message). It is bound to what it
showed: the confirmation carries a signed token with each allowed client's id and a
fingerprint of its state then; on confirmation every client is locked and a client whose
state changed since is refused, not changed. The others go through the service the ⋮ menu
uses (clients.services.clients_act, which takes one client or many), each with its own
history event.
"""

import hashlib
from dataclasses import dataclass

from django.core import signing

from clients import services
from clients.domain.actions import Action, can
from clients.domain.dates import format_day
from clients.domain.status import Status, client_status
from clients.models import Client

MAX_CLIENTS = 5000
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


@dataclass
class Line:
    client: Client
    status: Status
    allowed: bool
    message: str  # the outcome, or why it will not happen


@dataclass
class Preview:
    action: Action
    lines: list[Line]
    token: str

    @property
    def allowed(self) -> list[Line]:
        return [line for line in self.lines if line.allowed]

    @property
    def refused(self) -> list[Line]:
        return [line for line in self.lines if not line.allowed]


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
    selected = list(clients.order_by("name", "pk")[: MAX_CLIENTS + 1])
    if len(selected) > MAX_CLIENTS:
        check_size(clients.count())
    lines = []
    for client in selected:
        status = client_status(client)
        if can(client, action, status):
            lines.append(Line(client, status, True, outcome(action, client)))
        else:
            lines.append(Line(client, status, False, services.not_allowed_message(action, status)))
    bound = [[line.client.pk, fingerprint(line.client)] for line in lines if line.allowed]
    token = signing.dumps(
        {"a": action.value, "p": partner.pk, "u": user.pk, "c": bound},
        salt=TOKEN_SALT,
        compress=True,
    )
    return Preview(action, lines, token)


@dataclass
class Result:
    client_id: int
    name: str
    done: bool
    message: str


def confirm(*, token: str, clients, partner, user) -> tuple[Action, list[Result]]:
    """Apply a preview: the action's service (clients.services.clients_act, the very code the
    ⋮ menu runs for one client) over the bound clients, which it locks all at once; a client
    changed since the preview, or no longer allowed, is refused with the reason."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise BulkRefused(INVALID_TOKEN) from None
    if data.get("p") != partner.pk or data.get("u") != user.pk:
        raise BulkRefused(INVALID_TOKEN)
    action = Action(data["a"])
    bound = dict((pk, print_) for pk, print_ in data["c"])
    check_size(len(bound))

    def unchanged_since_preview(locked):
        # Seen after the lock: a change committed meanwhile shows here.
        if fingerprint(locked) != bound[locked.pk]:
            raise services.ActionNotAllowed(CHANGED)

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
    results.sort(key=lambda result: (result.name, result.client_id))
    return action, results


def done_message(action: Action, client: Client) -> str:
    if action == Action.RENEW:
        return f"Renovado até {format_day(client.expires_on)}"
    return {
        Action.SUSPEND: "Suspenso",
        Action.UNSUSPEND: "Suspensão cancelada",
        Action.HIDE: "Ocultado",
    }[action]
