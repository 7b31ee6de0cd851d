"""The vendor's side of the teams: a partner's members and invitations, a new partner with its
first Administrador (an invitation), the team history, and resetting a user's two-factor."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import services
from accounts.models import Invitation, TeamEvent
from clients.admin import PartnerAdmin, PartnerUserInline, PortalUserAdmin
from clients.models import Partner, Role

User = get_user_model()


class MemberInline(PartnerUserInline):
    """The partner's users with their role, sign-in facts and two-factor."""

    fields = ["user", "role", "email", "active", "last_login", "two_factor"]
    readonly_fields = ["email", "active", "last_login", "two_factor"]
    verbose_name_plural = "membros"

    @admin.display(description="e-mail")
    def email(self, member):
        return member.user.email if member.user_id else ""

    @admin.display(description="ativo", boolean=True)
    def active(self, member):
        return member.user.is_active if member.user_id else None

    @admin.display(description="último acesso")
    def last_login(self, member):
        return member.user.last_login if member.user_id else None

    @admin.display(description="duas etapas", boolean=True)
    def two_factor(self, member):
        return services.has_two_factor(member.user) if member.user_id else None


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    can_delete = False
    fields = ["email", "role", "state_label", "invited_by", "created_at", "expires_at"]
    readonly_fields = fields
    verbose_name_plural = "convites"

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="situação")
    def state_label(self, invitation):
        return invitation.state_label


class TeamPartnerForm(forms.ModelForm):
    first_admin_email = forms.EmailField(
        label="convidar Administrador",
        required=False,
        help_text="Um e-mail com o link para criar a conta de Administrador do parceiro.",
    )

    class Meta:
        model = Partner
        fields = ["code", "name", "email", "two_factor_required"]


class TeamPartnerAdmin(PartnerAdmin):
    form = TeamPartnerForm
    inlines = [MemberInline, InvitationInline]
    readonly_fields = ["two_factor_required"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A new partner needs its first Administrador.
        form.base_fields["first_admin_email"].required = obj is None
        return form

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        email = form.cleaned_data.get("first_admin_email")
        if not email:
            return
        try:
            services.invitation_send(
                partner=form.instance,
                email=email,
                role=Role.ADMIN,
                by=request.user,
                accept_url=request.build_absolute_uri(reverse("invitation", args=["TOKEN"])),
            )
        except services.TeamChangeRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
        else:
            self.message_user(request, f"Convite de Administrador enviado para {email}.")


admin.site.unregister(Partner)
admin.site.register(Partner, TeamPartnerAdmin)


@admin.register(TeamEvent)
class TeamEventAdmin(admin.ModelAdmin):
    list_display = ["at", "partner", "action", "subject", "details", "actor_label"]
    list_filter = ["action"]
    list_select_related = ["partner"]
    search_fields = ["partner__name", "subject", "actor_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class TeamUserAdmin(PortalUserAdmin):
    actions = ["reset_two_factor"]

    @admin.action(description="Redefinir a verificação em duas etapas")
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_disable(user=user, by=request.user)
        self.message_user(
            request,
            f"Verificação em duas etapas redefinida para {queryset.count()} usuário(s): "
            "quem estiver em equipe que a exige a configura no próximo acesso.",
        )


admin.site.unregister(User)
admin.site.register(User, TeamUserAdmin)
# The recovery codes are the user's own: the admin does not list them.
admin.site.unregister(StaticDevice)
