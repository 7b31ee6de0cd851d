from django.urls import path

from jobs import views

app_name = "jobs"

urlpatterns = [
    path("<uuid:pk>/", views.job_detail, name="detail"),
    path("<uuid:pk>/estado/", views.job_status, name="status"),
    path("<uuid:pk>/tentar-novamente/", views.job_retry, name="retry"),
    path("<uuid:pk>/arquivo/", views.job_file, name="file"),
]
