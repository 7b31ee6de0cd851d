from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import account_views as own_account_views
from accounts import views as account_views
from clients.screen import home
from portal import views as portal_views

handler400 = "portal.views.bad_request"
handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"

urlpatterns = [
    # First: the check-in is the hot path (every installation, every minute), and Django tries
    # the patterns in order (the empty-prefix include of accounts.urls is descended into for
    # every path); no other pattern starts with api/v1/.
    path("api/v1/", include("licenses.urls")),
    path("", home.home, name="home"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("favicon.ico", portal_views.favicon, name="favicon"),
    path("entrar/", account_views.SignInView.as_view(), name="login"),
    path("entrar/codigo/", account_views.sign_in_code, name="login-code"),
    path("sair/", auth_views.LogoutView.as_view(), name="logout"),
    path("senha/esqueci/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "senha/enviada/",
        account_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "senha/nova/<uidb64>/<token>/",
        account_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "senha/alterada/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path("convite/<str:token>/", account_views.invitation, name="invitation"),
    path("email/confirmar/<str:token>/", account_views.email_confirm, name="email-confirm"),
    path("email/contestar/<str:token>/", account_views.email_report, name="email-report"),
    # Signed-in users of either kind (partner members, the vendor's staff) confirm here.
    path("confirmar-identidade/", own_account_views.confirm_identity, name="confirm-identity"),
    path("", include("accounts.urls")),
    path("clientes/", include("clients.urls")),
    path("tarefas/", include("jobs.urls")),
    path("admin/", admin.site.urls),
]
