"""What each role may do, and which permission each partner page needs — as data.

`partners.middleware.PartnerMiddleware` checks PAGE_PERMISSIONS once per request, before any
view of a partner page runs; templates read the same rule through `may` (context_processors).
"""

from django.db import models

from partners.models import Role


class Permission(models.TextChoices):
    VIEW = "ver", "ver clientes, detalhes e histórico; exportar a lista"
    CHANGE = "alterar", "cadastrar clientes, as ações do ⋮ e certificados"
    TEAM = "equipe", "a Equipe e a exigência de verificação em duas etapas"
    ACTIVITY = "atividade", "ver na Atividade as alterações de toda a equipe"


ROLE_PERMISSIONS = {
    Role.ADMIN: {Permission.VIEW, Permission.CHANGE, Permission.TEAM, Permission.ACTIVITY},
    Role.OPERATOR: {Permission.VIEW, Permission.CHANGE},
    Role.VIEWER: {Permission.VIEW},
}

# What each partner page needs, by URL name, whatever the method (SIGNED_IN: any member of
# the partner, e.g. Minha conta). A page of a partner namespace missing here is refused
# (tests/test_isolation.py fails first).
SIGNED_IN = None
PARTNER_NAMESPACES = {"clients", "accounts", "jobs"}
PAGE_PERMISSIONS = {
    "home": Permission.VIEW,
    "clients:list": Permission.VIEW,
    "clients:cities": Permission.VIEW,
    "clients:registration-codes": Permission.VIEW,
    "clients:history": Permission.VIEW,
    "clients:detail": Permission.VIEW,
    "clients:renewals": Permission.VIEW,
    # Everyone sees their own changes; Permission.ACTIVITY, the whole team's (in the view).
    "clients:activity": Permission.VIEW,
    # Crédito and its CSV: the balance and the extrato change nothing, so every role.
    "clients:credit": Permission.VIEW,
    # A preview changes nothing (and Exportar seleção is an export); confirming is the change.
    "clients:bulk-preview": Permission.VIEW,
    "clients:bulk-confirm": Permission.CHANGE,
    "clients:new": Permission.CHANGE,
    # Importar clientes: the form, its template, the preview and the confirmation.
    "clients:import": Permission.CHANGE,
    "clients:import-template": Permission.CHANGE,
    "clients:import-preview": Permission.CHANGE,
    "clients:import-confirm": Permission.CHANGE,
    "clients:confirm": Permission.CHANGE,
    # The ⋮ actions' own pages, Certificado digital included (URL names: the action values;
    # a test checks that every action is here).
    "clients:editar": Permission.CHANGE,
    "clients:certificado": Permission.CHANGE,
    "clients:suspender": Permission.CHANGE,
    "clients:cancelar-suspensao": Permission.CHANGE,
    "clients:reativar": Permission.CHANGE,
    "clients:ocultar": Permission.CHANGE,
    "clients:reexibir": Permission.CHANGE,
    "clients:renovar": Permission.CHANGE,
    "clients:liberar-dispositivo": Permission.CHANGE,
    # A job's page: its own user's only (jobs.scoping); starting it again needs the job's own
    # permission, checked by the view from the job's row.
    "jobs:detail": Permission.VIEW,
    "jobs:status": Permission.VIEW,
    "jobs:retry": Permission.VIEW,
    "jobs:file": Permission.VIEW,
    "accounts:account": SIGNED_IN,
    "accounts:email": SIGNED_IN,
    "accounts:password": SIGNED_IN,
    "accounts:sessions-end": SIGNED_IN,
    "accounts:two-factor": SIGNED_IN,
    "accounts:two-factor-disable": SIGNED_IN,
    "accounts:recovery-codes": SIGNED_IN,
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
