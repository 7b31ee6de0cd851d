"""The one door into a partner's data: who the signed-in user works for, and what its role
may open — checked once per request, before the view runs."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from partners.models import PartnerUser
from partners.permissions import PAGE_PERMISSIONS, PARTNER_NAMESPACES, role_allows, role_refusal
from portal.responses import forbidden

STAFF_MESSAGE = (
    "As páginas do portal são dos parceiros; um usuário da administração não está ligado a "
    "nenhum parceiro. Os clientes de todos os parceiros estão aqui, na administração."
)

UNCLASSIFIED = object()


def is_partner_page(match) -> bool:
    """A page of a partner: classified in PAGE_PERMISSIONS, or in a partner namespace."""
    return match is not None and (
        match.view_name in PAGE_PERMISSIONS or match.namespace in PARTNER_NAMESPACES
    )


def refuse_non_partner(request):
    """None for a signed-in partner user; otherwise the answer: visitors are sent to sign in,
    staff to the admin (with a message), anyone else is refused (403)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.partner is None and request.user.is_staff:
        messages.info(request, STAFF_MESSAGE)
        return redirect("admin:index")
    if request.partner is None:
        raise PermissionDenied("Este usuário não está ligado a um parceiro.")
    return None


class PartnerMiddleware:
    """Sets `request.partner` (the partner the signed-in user works for, or None) and
    `request.partner_user` (that link, with the user's role); then, before any partner page's
    view runs, enforces the role: the page's permission (partners.permissions.PAGE_PERMISSIONS)
    or a 403 page, so a forbidden POST changes nothing. Views behind it need no check of
    their own.

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
        if not is_partner_page(match):
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
