"""The signed-in partner's team: every team page reaches members and invitations through here."""

from django.shortcuts import get_object_or_404

from partners.models import Invitation, PartnerUser


def partner_members(request):
    """The signed-in partner's team (active and deactivated members)."""
    return PartnerUser.objects.filter(partner=request.partner).select_related("user")


def get_member_or_404(request, pk):
    return get_object_or_404(partner_members(request), pk=pk)


def partner_invitations(request):
    return Invitation.objects.filter(partner=request.partner)


def get_invitation_or_404(request, pk):
    return get_object_or_404(partner_invitations(request), pk=pk)
