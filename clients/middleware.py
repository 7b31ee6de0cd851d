from clients.actions import PAGE_PERMISSIONS, PARTNER_NAMESPACES, role_allows, role_refusal
from clients.models import PartnerUser
from clients.responses import forbidden
from clients.scoping import refuse_non_partner

UNCLASSIFIED = object()


class PartnerMiddleware:
    """Sets `request.partner` (the partner the signed-in user works for, or None) and
    `request.partner_user` (that link, with the user's role); then, before any view of a
    partner namespace runs, enforces the role: the page's permission (clients.actions.
    PAGE_PERMISSIONS) or a 403 page, so a forbidden POST changes nothing.

    One query (the link and its partner together) for signed-in users; none for others.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.partner = None
        request.partner_user = None
        if request.user.is_authenticated:
            link = PartnerUser.objects.select_related("partner").filter(user=request.user).first()
            request.partner_user = link
            request.partner = link.partner if link else None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        if match is None or match.namespace not in PARTNER_NAMESPACES:
            return None
        refusal = refuse_non_partner(request)
        if refusal is not None:
            return refusal
        permission = PAGE_PERMISSIONS.get(match.view_name, UNCLASSIFIED)
        if permission is UNCLASSIFIED:  # a page nobody classified is nobody's
            return forbidden(request, "Esta página não tem regra de acesso.")
        if not role_allows(request.partner_user.role, permission):
            return forbidden(request, role_refusal(request.partner_user.role, permission))
        return None
