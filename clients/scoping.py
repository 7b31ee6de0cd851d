"""The one door into a partner's clients: every partner-scoped view reaches them through here.

`request.partner` is set, and the role checked, once per request by
partners.middleware.PartnerMiddleware before the view runs.
"""

from django.shortcuts import get_object_or_404

from clients.models import Client, RegistrationCode, StatusTally


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
