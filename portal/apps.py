from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The project itself: no models; installed for its system checks."""

    name = "portal"
    verbose_name = "Portal do Parceiro"

    def ready(self):
        from portal import checks  # noqa: F401 -- registers the system checks
