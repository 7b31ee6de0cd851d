"""The vendor's admin of portal users: the partner each works for, and resetting a user's
two-factor sign-in."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import services
from partners.admin import MemberOfUserInline

User = get_user_model()


class PortalUserAdmin(UserAdmin):
    inlines = [MemberOfUserInline]
    list_display = ["username", "email", "partner_name", "is_staff", "is_active"]
    list_select_related = ["partner_user__partner"]
    actions = ["reset_two_factor"]

    @admin.display(description="parceiro", ordering="partner_user__partner__name")
    def partner_name(self, user):
        partner_user = getattr(user, "partner_user", None)
        return partner_user.partner if partner_user else "—"

    @admin.action(description="Redefinir a verificação em duas etapas")
    def reset_two_factor(self, request, queryset):
        for user in queryset:
            services.two_factor_disable(user=user, by=request.user)
        self.message_user(
            request,
            f"Verificação em duas etapas redefinida para {queryset.count()} usuário(s), e as "
            "sessões abertas deles encerradas: quem estiver em equipe que a exige a configura "
            "no próximo acesso.",
        )


admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)
# The recovery codes are the user's own: the admin does not list them.
admin.site.unregister(StaticDevice)
