from django.urls import path

from accounts import views

app_name = "accounts"

# Which role may open each page: clients.actions.PAGE_PERMISSIONS.
urlpatterns = [
    path("conta/", views.account, name="account"),
    path("conta/senha/", views.password, name="password"),
    path("conta/verificacao-em-duas-etapas/", views.two_factor, name="two-factor"),
    path(
        "conta/verificacao-em-duas-etapas/desativar/",
        views.two_factor_disable,
        name="two-factor-disable",
    ),
    path("equipe/", views.team, name="team"),
    path("equipe/convidar/", views.invite, name="invite"),
    path("equipe/verificacao-em-duas-etapas/", views.team_two_factor, name="team-two-factor"),
    path("equipe/membros/<int:pk>/perfil/", views.member_role, name="member-role"),
    path("equipe/membros/<int:pk>/desativar/", views.member_deactivate, name="member-deactivate"),
    path("equipe/convites/<int:pk>/reenviar/", views.invitation_resend, name="invitation-resend"),
    path("equipe/convites/<int:pk>/cancelar/", views.invitation_cancel, name="invitation-cancel"),
]
