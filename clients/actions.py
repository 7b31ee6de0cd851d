"""Which ⋮-menu actions each client may take, and what each role may do — as data.

Templates draw the menu from `allowed_actions(client)`; every service re-checks
`can(client, action)` before it changes anything. What a partner user may do depends on its
role (ROLE_PERMISSIONS); which permission each partner page needs is PAGE_PERMISSIONS, checked
for every request by clients.middleware.PartnerMiddleware before the view runs.
"""

from django.db import models

from clients.models import Product, Renewal, Role
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


class Permission(models.TextChoices):
    VIEW = "ver", "ver clientes, detalhes e histórico; exportar a lista"
    CHANGE = "alterar", "cadastrar clientes, as ações do ⋮ e certificados"
    TEAM = "equipe", "a Equipe e a exigência de verificação em duas etapas"


ROLE_PERMISSIONS = {
    Role.ADMIN: {Permission.VIEW, Permission.CHANGE, Permission.TEAM},
    Role.OPERATOR: {Permission.VIEW, Permission.CHANGE},
    Role.VIEWER: {Permission.VIEW},
}

# Every ⋮ action (and + Novo cliente) changes data.
ACTIONS_PERMISSION = Permission.CHANGE

# What each partner page needs, by URL name, whatever the method (SIGNED_IN: any member of
# the partner, e.g. Minha conta). A page of a partner namespace missing here is refused
# (tests/test_isolation.py fails first).
SIGNED_IN = None
PARTNER_NAMESPACES = {"clients", "accounts"}
PAGE_PERMISSIONS = {
    "clients:list": Permission.VIEW,
    "clients:cities": Permission.VIEW,
    "clients:registration-codes": Permission.VIEW,
    "clients:history": Permission.VIEW,
    "clients:detail": Permission.VIEW,
    "clients:renewals": Permission.VIEW,
    # A preview changes nothing (and Exportar seleção is an export); confirming is the change.
    "clients:bulk-preview": Permission.VIEW,
    "clients:bulk-confirm": ACTIONS_PERMISSION,
    "clients:new": ACTIONS_PERMISSION,
    "clients:confirm": ACTIONS_PERMISSION,
    # The ⋮ actions' own pages, Certificado digital included (URL names: the action values).
    **{f"clients:{action.value}": ACTIONS_PERMISSION for action in Action},
    "accounts:account": SIGNED_IN,
    "accounts:password": SIGNED_IN,
    "accounts:two-factor": SIGNED_IN,
    "accounts:two-factor-disable": SIGNED_IN,
    "accounts:team": Permission.TEAM,
    "accounts:invite": Permission.TEAM,
    "accounts:member-role": Permission.TEAM,
    "accounts:member-deactivate": Permission.TEAM,
    "accounts:invitation-resend": Permission.TEAM,
    "accounts:invitation-cancel": Permission.TEAM,
    "accounts:team-two-factor": Permission.TEAM,
}


def role_allows(role: Role | str | None, permission: Permission | None) -> bool:
    """May a partner user with `role` do what `permission` covers? SIGNED_IN: always."""
    if permission is SIGNED_IN:
        return True
    return role is not None and Permission(permission) in ROLE_PERMISSIONS.get(Role(role), ())


def role_refusal(role: Role | str, permission: Permission) -> str:
    """The pt-BR message of a 403 for a role that may not."""
    return f"O perfil {Role(role).label} não permite {Permission(permission).label}."
