from django.apps import AppConfig


class LicensesConfig(AppConfig):
    name = "licenses"
    verbose_name = "Licenças"

    def ready(self):
        from licenses import checks  # noqa: F401 -- registers the system checks
