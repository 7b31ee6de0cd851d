"""The vendor's side of the teams: a partner's members and invitations, a new partner with its
first Administrador (an invitation), and the team history. Role changes follow the team's
rules through partners.services, as on the Equipe page."""

from django import forms
from django.contrib import admin, messages
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django_otp import user_has_device

from partners import services
from partners.models import Invitation, Partner, PartnerUser, Role, TeamEvent
from portal.admin import SafeAdminMixin


class MemberFormSet(BaseInlineFormSet):
    """A role changed in the admin follows the team's rules, as on the Equipe page: the
    partner keeps an active Administrador (a form error otherwise, nothing saved), and the
    change goes through `services.member_set_role` (locked, with its TeamEvent)."""

    by = None  # the staff user, set per request by TeamMemberInlineMixin.get_formset

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [form for form in self.forms if form.cleaned_data]
        demoted = {
            form.instance.pk
            for form in kept
            if form.instance.pk
            and "role" in form.changed_data
            and form.initial.get("role") == Role.ADMIN
        }
        for member in PartnerUser.objects.filter(pk__in=demoted).select_related("user"):
            promoted = any(
                form.cleaned_data.get("role") == Role.ADMIN
                and form.cleaned_data["user"].is_active
                and form.cleaned_data["partner"] == member.partner
                and form.instance.pk not in demoted
                for form in kept
            )
            others = services.active_members(member.partner).filter(role=Role.ADMIN)
            if not promoted and not others.exclude(pk__in=demoted).exists():
                raise forms.ValidationError(services.last_administrator_message(member.user))

    def save_existing(self, form, obj, commit=True):
        if "role" not in form.changed_data:
            return super().save_existing(form, obj, commit)
        # The other fields save here; the role afterwards, through the service (see save).
        self._roles.append((obj, Role(form.cleaned_data["role"])))
        obj.role = form.initial["role"]
        return super().save_existing(form, obj, commit)

    def save(self, commit=True):
        self._roles = []
        saved = super().save(commit)
        # Promotions first, so that a swap of Administradores never leaves the team without one.
        for member, role in sorted(self._roles, key=lambda change: change[1] != Role.ADMIN):
            services.member_set_role(member=member, role=role, by=self.by)
            member.role = role
        return saved


class TeamMemberInlineMixin:
    formset = MemberFormSet
    can_delete = False  # a member leaves by being deactivated: their history stays

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.by = request.user  # the factory makes a new class per request
        return formset


class MemberInline(TeamMemberInlineMixin, SafeAdminMixin, admin.TabularInline):
    """The partner's users with their role, sign-in facts and two-factor."""

    model = PartnerUser
    extra = 0
    autocomplete_fields = ["user"]
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
        return user_has_device(member.user) if member.user_id else None


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


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email", "created_at"]
    search_fields = ["code", "name"]
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


class MemberOfUserInline(TeamMemberInlineMixin, SafeAdminMixin, admin.StackedInline):
    """The partner a user works for, with the role, on the user's admin page."""

    model = PartnerUser
    can_delete = False
    autocomplete_fields = ["partner"]
    verbose_name_plural = "parceiro"
