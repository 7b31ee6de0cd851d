"""The vendor staff's view of the devices partners released (⋮ Liberar dispositivo): read only.

A ReleasedKey is written once by clients.services.devices and never changed. The key is shown
masked but for its last 4 characters: enough to match what a customer reads from a device,
not enough to use it. A whole key typed in the search finds its row.
"""

from django.contrib import admin

from clients.admin_mixins import ClientNameSearchMixin, ReadOnlyAdminMixin
from clients.models import ReleasedKey
from portal.admin import SafeAdminMixin

SHOWN = 4  # the key's last characters shown
MASK = "•"


def masked(key: str) -> str:
    """ "ABCD-EFGH-1234" → "••••-••••-1234": every letter or digit but the last SHOWN hidden,
    the separators kept (the key's shape helps to read it over the phone)."""
    hidden, shown = key[:-SHOWN], key[-SHOWN:]
    return "".join(MASK if char.isalnum() else char for char in hidden) + shown


@admin.register(ReleasedKey)
class ReleasedKeyAdmin(ClientNameSearchMixin, ReadOnlyAdminMixin, SafeAdminMixin, admin.ModelAdmin):
    """Read-only: who released which client's device, when, and on which machine it was."""

    list_display = ["client", "masked_key", "machine", "released_at", "released_by"]
    list_select_related = ["client", "released_by"]
    search_fields = ["=key", "machine"]
    date_hierarchy = "released_at"
    # The change page shows the same, never the whole key.
    fields = readonly_fields = list_display

    @admin.display(description="chave")
    def masked_key(self, released):
        return masked(released.key)
