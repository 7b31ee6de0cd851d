from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "clients"
    verbose_name = "Clientes"

    def ready(self):
        from clients.domain import search  # noqa: F401 -- registers portal_unaccent on SQLite
