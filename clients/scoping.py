"""The one door into a partner's data: every partner-scoped view goes through here."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from accounts.models import Invitation
from clients.models import Client, PartnerUser, RegistrationCode


def partner_required(view):
    """Signed-in partner users only; others are sent to sign in (or refused if staff)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.partner is None:
            raise PermissionDenied("Este usuário não está ligado a um parceiro.")
        return view(request, *args, **kwargs)

    return wrapper


def partner_clients(request):
    """The signed-in partner's clients — and nobody else's."""
    return Client.objects.filter(partner=request.partner)


def get_client_or_404(request, pk):
    """One of the partner's clients; another partner's client is a 404, never a 403."""
    return get_object_or_404(partner_clients(request), pk=pk)


def partner_unused_codes(request):
    """The signed-in partner's "unused registration codes": every code no Link installation
    has consumed yet, whatever its client's status (the list's notice and dialog). The daily
    e-mail counts fewer, under another name: clients.notifications.codes_to_activate."""
    return RegistrationCode.objects.filter(partner=request.partner, consumed_at__isnull=True)


def partner_members(request):
    """The signed-in partner's team (active and deactivated members)."""
    return PartnerUser.objects.filter(partner=request.partner).select_related("user")


def get_member_or_404(request, pk):
    return get_object_or_404(partner_members(request), pk=pk)


def partner_invitations(request):
    return Invitation.objects.filter(partner=request.partner)


def get_invitation_or_404(request, pk):
    return get_object_or_404(partner_invitations(request), pk=pk)
