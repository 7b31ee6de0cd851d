"""Which ⋮-menu actions each client may take — as data, in one table.

Templates draw the menu from `allowed_actions(client)`; every service re-checks
`can(client, action)` before it changes anything.
"""

from django.db import models

from clients.models import Product, Renewal
from clients.status import Status, client_status


class Action(models.TextChoices):
    EDIT = "editar", "Editar"
    CERTIFICATE = "certificado", "Certificado digital"
    SUSPEND = "suspender", "Suspender"
    UNSUSPEND = "cancelar-suspensao", "Cancelar suspensão"
    REACTIVATE = "reativar", "Reativar"
    HIDE = "ocultar", "Ocultar"
    UNHIDE = "reexibir", "Reexibir"
    RENEW = "renovar", "Renovar"


# (action, status it is allowed in, only for this product, only with this renewal method)
ACTION_TABLE = (
    (Action.EDIT, Status.ATIVO, None, None),
    (Action.EDIT, Status.SUSPENSO, None, None),
    (Action.CERTIFICATE, Status.ATIVO, Product.NAVI, None),
    (Action.CERTIFICATE, Status.SUSPENSO, Product.NAVI, None),
    (Action.SUSPEND, Status.ATIVO, None, None),
    (Action.UNSUSPEND, Status.SUSPENSO, None, None),
    (Action.REACTIVATE, Status.INATIVO, None, None),
    (Action.HIDE, Status.INATIVO, None, None),
    (Action.UNHIDE, Status.OCULTO, None, None),
    (Action.RENEW, Status.EXPIRADO, None, None),
    (Action.RENEW, Status.ATIVO, None, Renewal.MANUAL),
)

# How the ⋮ menu offers each action (URL names are "clients:<action value>", taking the pk):
# - "form":    a link to the action's page; GET shows a form, POST saves and acts.
# - "confirm": a link to the shared confirmation page ("clients:confirm", pk and action),
#              whose button POSTs to the action's URL.
# - "post":    a button in the menu that POSTs to the action's URL at once.
# The action URLs themselves answer GET with 405, except the "form" ones.
MENU_STEP = {
    Action.EDIT: "form",
    Action.CERTIFICATE: "form",
    Action.REACTIVATE: "form",
    Action.SUSPEND: "confirm",
    Action.HIDE: "confirm",
    Action.RENEW: "confirm",
    Action.UNSUSPEND: "post",
    Action.UNHIDE: "post",
}


def allowed_actions(client, status: Status | None = None) -> list[Action]:
    """The actions `client` may take now, in menu order (Action's order)."""
    status = status or client_status(client)
    allowed = {
        action
        for action, in_status, product, renewal in ACTION_TABLE
        if in_status == status
        and product in (None, client.product)
        and renewal in (None, client.renewal)
    }
    return [action for action in Action if action in allowed]


def can(client, action: Action, status: Status | None = None) -> bool:
    return Action(action) in allowed_actions(client, status)
