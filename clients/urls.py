from django.urls import path

from clients import views
from licenses.views import client_certificate

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("<int:pk>/certificado/", client_certificate, name="certificado"),
]
