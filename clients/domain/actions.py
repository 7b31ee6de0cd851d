"""Which ⋮-menu actions each client may take, as data.

Templates draw the menu from `allowed_actions(client)`; every service re-checks
`can(client, action)` before it changes anything. Which role may open each action's page is
partners.permissions.PAGE_PERMISSIONS.
"""

from django.db import models

from clients.domain.status import Status, client_status
from clients.models import Product, Renewal
from partners.permissions import Permission


class Action(models.TextChoices):
    EDIT = "editar", "Editar"
    CERTIFICATE = "certificado", "Certificado digital"
    SUSPEND = "suspender", "Suspender"
    UNSUSPEND = "cancelar-suspensao", "Cancelar suspensão"
    REACTIVATE = "reativar", "Reativar"
    HIDE = "ocultar", "Ocultar"
    UNHIDE = "reexibir", "Reexibir"
    RENEW = "renovar", "Renovar"
    RELEASE_DEVICE = "liberar-dispositivo", "Liberar dispositivo"


# (action, status it is allowed in, only for this product, only with this renewal method)
ACTION_TABLE = (
    (Action.EDIT, Status.ACTIVE, None, None),
    (Action.EDIT, Status.SUSPENDED, None, None),
    (Action.CERTIFICATE, Status.ACTIVE, Product.NAVI, None),
    (Action.CERTIFICATE, Status.SUSPENDED, Product.NAVI, None),
    (Action.SUSPEND, Status.ACTIVE, None, None),
    (Action.UNSUSPEND, Status.SUSPENDED, None, None),
    (Action.REACTIVATE, Status.INACTIVE, None, None),
    (Action.HIDE, Status.INACTIVE, None, None),
    (Action.UNHIDE, Status.HIDDEN, None, None),
    # Renovar spends the partner's credit: Renovação manual clients only. A Gestão de
    # cobranças client is renewed by the vendor's staff when its end customer pays.
    (Action.RENEW, Status.EXPIRED, None, Renewal.MANUAL),
    (Action.RENEW, Status.ACTIVE, None, Renewal.MANUAL),
    (Action.RELEASE_DEVICE, Status.ACTIVE, Product.LINK, None),
    (Action.RELEASE_DEVICE, Status.SUSPENDED, Product.LINK, None),
)

# What an action needs of the client besides its row of the table (the fact must be set):
# Liberar dispositivo releases the key a device activated with, so there must be one.
ACTION_NEEDS = {Action.RELEASE_DEVICE: "license_key"}

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
    Action.RELEASE_DEVICE: "confirm",
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
        and (action not in ACTION_NEEDS or getattr(client, ACTION_NEEDS[action]))
    }
    return [action for action in Action if action in allowed]


def can(client, action: Action, status: Status | None = None) -> bool:
    return Action(action) in allowed_actions(client, status)


def barred_by_renewal(client, action: Action, status: Status) -> bool:
    """Whether the table allows `action` in `status` for this product, but only with another
    renewal method (Renovar of a Gestão de cobranças client)."""
    renewals = [
        renewal
        for table_action, in_status, product, renewal in ACTION_TABLE
        if table_action == action and in_status == status and product in (None, client.product)
    ]
    return bool(renewals) and client.renewal not in (None, *renewals)


# Every ⋮ action (and + Novo cliente) changes data.
ACTIONS_PERMISSION = Permission.CHANGE
