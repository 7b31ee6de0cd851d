from partners.permissions import Permission, role_allows


def role(request):
    """`may.<permission>` (ver, alterar, equipe) for the signed-in partner user: templates show
    only what the role may do (the server checks again: partners.middleware)."""
    member = getattr(request, "partner_user", None)
    return {
        "may": {
            permission.value: member is not None and role_allows(member.role, permission)
            for permission in Permission
        }
    }
