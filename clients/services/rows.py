"""One client's row for a service that changes only it: locked, and saved as a new version."""

from clients.models import Client


def locked_row(client: Client) -> Client:
    """The client's row, locked until the transaction ends (the staff's review of Pendente)."""
    return Client.objects.select_for_update().get(pk=client.pk)


def save_version(locked: Client, fields) -> None:
    """Save `fields` of the locked client as one more version of it."""
    locked.version += 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
