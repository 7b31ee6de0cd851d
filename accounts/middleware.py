from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect

from accounts.services import has_two_factor
from partners.middleware import is_partner_page

# The pages a member without two-factor sign-in may still open when the team requires it.
SETUP_PAGES = {"accounts:two-factor"}


class TwoFactorMiddleware:
    """When the partner requires two-factor sign-in, a session not verified by a code goes,
    from any partner page (Início included), to set it up (a member without it) or to sign
    in again (a member with it). No query unless the partner requires it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        partner = getattr(request, "partner", None)
        if (
            not is_partner_page(match)
            or partner is None
            or not partner.two_factor_required
            or request.user.is_verified()
            or match.view_name in SETUP_PAGES
        ):
            return None
        if has_two_factor(request.user):
            logout(request)
            messages.info(request, "Entre de novo, com o código do seu aplicativo autenticador.")
            return redirect("login")
        messages.warning(
            request,
            f"{partner.name} exige a verificação em duas etapas: configure-a para continuar.",
        )
        return redirect("accounts:two-factor")
