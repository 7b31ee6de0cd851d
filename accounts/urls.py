from django.urls import path

from accounts import account_views, team_views

app_name = "accounts"

# Which role may open each page: partners.permissions.PAGE_PERMISSIONS.
urlpatterns = [
    path("conta/", account_views.account, name="account"),
    path("conta/email/", account_views.email, name="email"),
    path("conta/senha/", account_views.password, name="password"),
    path("conta/sessoes/encerrar/", account_views.sessions_end, name="sessions-end"),
    path("conta/verificacao-em-duas-etapas/", account_views.two_factor, name="two-factor"),
    path(
        "conta/verificacao-em-duas-etapas/desativar/",
        account_views.two_factor_disable,
        name="two-factor-disable",
    ),
    path(
        "conta/verificacao-em-duas-etapas/codigos/",
        account_views.recovery_codes,
        name="recovery-codes",
    ),
    path("equipe/", team_views.team, name="team"),
    path("equipe/convidar/", team_views.invite, name="invite"),
    path("equipe/verificacao-em-duas-etapas/", team_views.team_two_factor, name="team-two-factor"),
    path("equipe/membros/<int:pk>/perfil/", team_views.member_role, name="member-role"),
    path(
        "equipe/membros/<int:pk>/desativar/", team_views.member_deactivate, name="member-deactivate"
    ),
    path(
        "equipe/convites/<int:pk>/reenviar/", team_views.invitation_resend, name="invitation-resend"
    ),
    path(
        "equipe/convites/<int:pk>/cancelar/", team_views.invitation_cancel, name="invitation-cancel"
    ),
]
