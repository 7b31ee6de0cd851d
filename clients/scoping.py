"""The one door into a partner's data: every partner-scoped view goes through here."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect

from accounts.models import Invitation
from clients.models import Client, PartnerUser, RegistrationCode, StatusTally

STAFF_MESSAGE = (
    "As páginas do portal são dos parceiros; um usuário da administração não está ligado a "
    "nenhum parceiro. Os clientes de todos os parceiros estão aqui, na administração."
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


def partner_required(view):
    """Signed-in partner users only (refuse_non_partner)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return refuse_non_partner(request) or view(request, *args, **kwargs)

    return wrapper


def partner_clients(request):
    """The signed-in partner's clients — and nobody else's."""
    return Client.objects.filter(partner=request.partner)


def partner_tally(request):
    """The signed-in partner's clients counted by their status facts (clients.tally)."""
    return StatusTally.objects.filter(partner=request.partner)


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
