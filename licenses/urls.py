"""The API under /api/v1/ (included from portal.urls)."""

from django.urls import path, re_path

from licenses import api

app_name = "api"

urlpatterns = [
    path("ativacao", api.activate, name="ativacao"),
    path("verificacao", api.check_in, name="verificacao"),
    path("chave-publica", api.public_key, name="chave-publica"),
    path("openapi.yaml", api.openapi, name="openapi"),
]
urlpatterns += [
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<path>.*)$", api.not_found),
]
