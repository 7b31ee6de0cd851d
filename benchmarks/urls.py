"""The product's URLs plus the benchmarks' reference views (benchmarks.settings only)."""

from django.urls import path

from benchmarks import views
from portal.urls import handler500  # noqa: F401
from portal.urls import urlpatterns as portal_urlpatterns

urlpatterns = [
    # Before the API's catch-all JSON 404 under /api/v1/.
    path("api/v1/bench/select-1", views.select_1),
    path("bench/clientes/", views.clients_floor, name="bench-clients-floor"),
    *portal_urlpatterns,
]
