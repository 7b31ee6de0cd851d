"""Helpers shared by the one-module-per-action tests (test_suspend.py, test_edit.py, ...)."""

from django.contrib.messages import get_messages
from django.urls import reverse

from clients.domain.actions import ACTION_TABLE
from clients.domain.status import Status
from clients.models import Client, ClientEvent
from clients.services.recording import snapshot


def action_url(action, client) -> str:
    return reverse(f"clients:{action.value}", args=[client.pk])


def allowed_in(action, client) -> set[Status]:
    """The statuses in which ACTION_TABLE allows `action` for this client's product/renewal."""
    return {
        status
        for table_action, status, product, renewal in ACTION_TABLE
        if table_action == action
        and product in (None, client.product)
        and renewal in (None, client.renewal)
    }


def refused_statuses(action, product="navi", renewal="manual") -> list[Status]:
    probe = Client(product=product, renewal=renewal)
    return [status for status in Status if status not in allowed_in(action, probe)]


def form_data(client, licenses=1, **overrides) -> dict:
    """A valid POST for Editar/Reativar that keeps the client's data."""
    data = {
        "name": client.name,
        "email": client.email,
        "uf": client.uf,
        "city": client.city,
        "renewal": client.renewal,
        "loaded_version": client.version,
        "principal": licenses,
    }
    return {**data, **overrides}


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


class Unchanged:
    """`with Unchanged(client): ...` asserts the client row and its history did not change."""

    def __init__(self, client):
        self.client = client

    def __enter__(self):
        self.before = snapshot(Client.objects.get(pk=self.client.pk))
        self.events = ClientEvent.objects.filter(client=self.client).count()
        self.licenses = list(self.client.licenses.values())
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            assert snapshot(Client.objects.get(pk=self.client.pk)) == self.before
            assert ClientEvent.objects.filter(client=self.client).count() == self.events
            assert list(self.client.licenses.values()) == self.licenses
