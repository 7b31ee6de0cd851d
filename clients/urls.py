from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list, name="list"),
    path("codigos-de-registro/", views.registration_codes, name="registration-codes"),
]
