from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clients import home
from portal import views as portal_views

admin.site.site_header = "Portal do Parceiro — administração"
admin.site.site_title = "Portal do Parceiro"

handler500 = "portal.views.server_error"

urlpatterns = [
    path("", home.home, name="home"),
    path("healthz", portal_views.healthz, name="healthz"),
    path("favicon.ico", portal_views.favicon, name="favicon"),
    path("entrar/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("sair/", auth_views.LogoutView.as_view(), name="logout"),
    path("clientes/", include("clients.urls")),
    path("api/v1/", include("licenses.urls")),
    path("admin/", admin.site.urls),
]
