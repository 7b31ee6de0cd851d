"""Gestão de cobranças: the vendor charges the end customer itself, so the partner's credit
pays nothing; when the vendor's staff see the charge paid they renew the client (the admin's
"Marcar a cobrança como paga"), as Renovar does, without a debit."""

from django.db.models import QuerySet

from clients.domain.actions import ACTION_TABLE, Action
from clients.domain.dates import add_months, format_day
from clients.domain.money import pays
from clients.domain.status import Status, client_status, today
from clients.models import Client, Event
from clients.services import Outcome, _act, _just, _one, _renew
from clients.services.errors import ActionNotAllowed

PAID_NOTE = "Cobrança paga (Gestão de cobranças)"
# The statuses Renovar is allowed in (for a Gestão de cobranças client, only what the charge
# renews is different: the end customer paid, not the partner's credit).
RENEWABLE = frozenset(status for action, status, _, _ in ACTION_TABLE if action == Action.RENEW)
MANUAL_REFUSAL = (
    "Este cliente é de Renovação manual: o parceiro o renova (Renovar), com o seu crédito. "
    "“Marcar a cobrança como paga” é só para clientes de Gestão de cobranças."
)
STATUS_REFUSAL = {
    Status.INACTIVE: "venceu antes deste mês; reative-o antes (Reativar)",
    Status.HIDDEN: "está oculto; reexiba-o e reative-o antes",
    Status.PENDING: "aguarda a revisão do cadastro; aprove-o antes",
    Status.SUSPENDED: "está suspenso; cancele a suspensão antes",
}


def _paid_guard(locked):
    """Refuses a client whose charge the vendor does not collect, not renewable now, or paid
    more than a month ahead already (the same payment marked twice)."""
    if pays(locked.renewal):
        raise ActionNotAllowed(MANUAL_REFUSAL)
    if locked.expires_on >= add_months(today(), 1):
        raise ActionNotAllowed(
            f"Este cliente já está pago até {format_day(locked.expires_on)}, mais de um mês à "
            "frente: a cobrança paga renova só o período que vence. Nada foi feito."
        )
    status = client_status(locked)
    if status not in RENEWABLE:
        reason = STATUS_REFUSAL.get(status, "não pode ser renovado agora")
        raise ActionNotAllowed(f"A cobrança não renova um cliente {status.label}: ele {reason}.")


def clients_billing_paid(*, clients: QuerySet, by) -> list[Outcome]:
    """The charge of each Gestão de cobranças client of `clients` was paid: vencimento + one
    calendar month from the current one (Renovar's change), a Renovar event noted
    PAID_NOTE, no debit. Only Ativo and Expirado (Renovar's statuses); each refused client's
    reason is in its Outcome."""
    return _act(clients, None, by, _renew, _paid_guard, record=(Event.RENEW, PAID_NOTE))


def client_billing_paid(*, client: Client, by) -> Client:
    """clients_billing_paid for one client: the renewed client, or the refusal raised."""
    return _one(client, clients_billing_paid(clients=_just(client), by=by))
