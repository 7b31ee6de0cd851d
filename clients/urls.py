from django.urls import path

from clients.domain.actions import Action
from clients.screen import action_views, activity, bulk_views, credit, import_views, views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("novo/", action_views.new_client, name="new"),
    path("municipios/", action_views.cities, name="cities"),
    path("<int:pk>/", views.client_detail, name="detail"),
    path("<int:pk>/historico/", action_views.history, name="history"),
    path("<int:pk>/confirmar/<str:action>/", action_views.confirm, name="confirm"),
    # The ⋮-menu actions: URL names are the action values (clients.domain.actions.MENU_STEP).
    path("<int:pk>/editar/", action_views.edit, {"action": Action.EDIT}, name="editar"),
    path("<int:pk>/reativar/", action_views.edit, {"action": Action.REACTIVATE}, name="reativar"),
    path("<int:pk>/suspender/", action_views.act, {"action": Action.SUSPEND}, name="suspender"),
    path(
        "<int:pk>/cancelar-suspensao/",
        action_views.act,
        {"action": Action.UNSUSPEND},
        name="cancelar-suspensao",
    ),
    path("<int:pk>/ocultar/", action_views.act, {"action": Action.HIDE}, name="ocultar"),
    path("<int:pk>/reexibir/", action_views.act, {"action": Action.UNHIDE}, name="reexibir"),
    path("<int:pk>/renovar/", action_views.act, {"action": Action.RENEW}, name="renovar"),
    path(
        "<int:pk>/liberar-dispositivo/",
        action_views.act,
        {"action": Action.RELEASE_DEVICE},
        name="liberar-dispositivo",
    ),
    path("<int:pk>/certificado/", action_views.client_certificate, name="certificado"),
    path("codigos-de-registro/", views.registration_codes, name="registration-codes"),
    path("renovacao/", bulk_views.renewals, name="renewals"),
    path("em-lote/", bulk_views.bulk_preview, name="bulk-preview"),
    path("em-lote/confirmar/", bulk_views.bulk_confirm, name="bulk-confirm"),
    path("atividade/", activity.activity, name="activity"),
    path("credito/", credit.credit, name="credit"),
    path("importar/", import_views.import_start, name="import"),
    path("importar/modelo.csv", import_views.import_template, name="import-template"),
    path("importar/<uuid:pk>/", import_views.import_preview, name="import-preview"),
    path("importar/<uuid:pk>/confirmar/", import_views.import_confirm, name="import-confirm"),
]
