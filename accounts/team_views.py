"""The Equipe pages: the partner's members and invitations, roles, and the team's two-factor
requirement. Only an Administrador opens them (partners.permissions.PAGE_PERMISSIONS)."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import InviteForm, RoleForm
from accounts.models import TOTPDevice
from accounts.views import accept_url
from partners import services as team_services
from partners.models import Role
from partners.scoping import (
    get_invitation_or_404,
    get_member_or_404,
    partner_invitations,
    partner_members,
)
from partners.services import TeamChangeRefused, display_name


def _member_state(member) -> str:
    return "ativo" if member.user.is_active else "desativado"


def team(request):
    """Equipe: members, pending invitations, the two-factor requirement and the history."""
    members = partner_members(request).order_by("-user__is_active", "user__username")
    with_two_factor = set(
        TOTPDevice.objects.filter(
            user__in=[member.user for member in members], confirmed=True
        ).values_list("user_id", flat=True)
    )
    rows = [
        {
            "member": member,
            "name": display_name(member.user),
            "state": _member_state(member),
            "two_factor": member.user_id in with_two_factor,
            "role_form": RoleForm(initial={"role": member.role}, prefix=f"m{member.pk}"),
        }
        for member in members
    ]
    context = {
        "rows": rows,
        "invitations": partner_invitations(request).pending().select_related("invited_by"),
        "events": request.partner.team_events.select_related("actor")[:50],
        "invite_form": InviteForm(),
        "roles": Role,
        "partner": request.partner,
        "me_two_factor": request.user.pk in with_two_factor,
    }
    return render(request, "accounts/team.html", context)


def _refused(request, refused: TeamChangeRefused):
    messages.error(request, refused.message)
    return redirect("accounts:team")


def invite(request):
    """Convidar membro: an e-mail address and a role."""
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team_services.invitation_send(
                partner=request.partner,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                accept_url=accept_url(request),
            )
        except TeamChangeRefused as refused:
            form.add_error("email", refused.message)
        else:
            messages.success(
                request,
                f"Convite enviado para {form.cleaned_data['email']}, "
                f"válido por {settings.INVITATION_VALID_HOURS} horas.",
            )
            return redirect("accounts:team")
    return render(request, "accounts/invite.html", {"form": form})


def member_role(request, pk):
    # The member first, so that another partner's member is a 404 whatever the method.
    member = get_member_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RoleForm(request.POST, prefix=f"m{member.pk}")
    if not form.is_valid():
        messages.error(request, "Escolha um perfil da lista.")
        return redirect("accounts:team")
    try:
        member = team_services.member_set_role(
            member=member, role=form.cleaned_data["role"], by=request.user
        )
    except TeamChangeRefused as refused:
        return _refused(request, refused)
    messages.success(request, f"{display_name(member.user)} agora é {Role(member.role).label}.")
    return redirect("accounts:team")


def member_deactivate(request, pk):
    """GET: the confirmation; POST: the member can no longer sign in (sessions end at once)."""
    member = get_member_or_404(request, pk)
    if request.method != "POST":
        return render(
            request,
            "accounts/confirm_deactivate.html",
            {"member": member, "name": display_name(member.user)},
        )
    try:
        team_services.member_deactivate(member=member, by=request.user)
    except TeamChangeRefused as refused:
        return _refused(request, refused)
    messages.success(request, f"{display_name(member.user)} foi desativado.")
    return redirect("accounts:team")


def invitation_resend(request, pk):
    invitation = get_invitation_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        team_services.invitation_resend(
            invitation=invitation, by=request.user, accept_url=accept_url(request)
        )
    except TeamChangeRefused as refused:
        return _refused(request, refused)
    messages.success(request, f"Convite reenviado para {invitation.email}.")
    return redirect("accounts:team")


def invitation_cancel(request, pk):
    invitation = get_invitation_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        team_services.invitation_cancel(invitation=invitation, by=request.user)
    except TeamChangeRefused as refused:
        return _refused(request, refused)
    messages.success(request, f"Convite para {invitation.email} cancelado.")
    return redirect("accounts:team")


@require_POST
def team_two_factor(request):
    required = request.POST.get("required") == "on"
    try:
        services.partner_require_two_factor(
            partner=request.partner, required=required, by=request.user
        )
    except TeamChangeRefused as refused:
        return _refused(request, refused)
    if required:
        messages.success(request, "A equipe agora entra com verificação em duas etapas.")
    else:
        messages.success(request, "A verificação em duas etapas deixou de ser exigida.")
    return redirect("accounts:team")
