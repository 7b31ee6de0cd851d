from django.urls import path

from accounts import team_views, views

app_name = "accounts"

# Which role may open each page: partners.permissions.PAGE_PERMISSIONS.
urlpatterns = [
    path("conta/", views.account, name="account"),
    path("conta/senha/", views.password, name="password"),
    path("conta/verificacao-em-duas-etapas/", views.two_factor, name="two-factor"),
    path(
        "conta/verificacao-em-duas-etapas/desativar/",
        views.two_factor_disable,
        name="two-factor-disable",
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
