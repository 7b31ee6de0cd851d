"""Two Liberar dispositivo requests for one client at the same moment, with one release left
this month: exactly one releases, the other is refused and changes nothing.

PostgreSQL only (real row locks): each request runs in its own thread, on its own connection,
both waiting for the client's row lock that the test holds, then let go together.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from clients.models import ClientEvent, Event, RegistrationCode, ReleasedKey
from clients.services import ActionNotAllowed
from clients.services.devices import client_release_device
from licenses.activation import client_activate
from tests.test_action_concurrency import in_threads, outcome

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def activate(shop, machine):
    code = RegistrationCode.objects.get(client=shop, consumed_at__isnull=True)
    client_activate(code=code.code, machine=machine, version="4.2.1")


def test_two_releases_at_once_with_one_left_release_once(
    partner_a, partner_a_user, make_link_client, settings
):
    settings.DEVICE_RELEASES_PER_MONTH = 2
    moment = datetime.datetime(2026, 12, 6, 10, 0, tzinfo=ZoneInfo("America/Sao_Paulo"))
    with time_machine.travel(moment, tick=True):
        shop, _ = make_link_client(partner_a)
        activate(shop, "CELULAR-01")
        client_release_device(client=shop, by=partner_a_user)  # one of the two used
        activate(shop, "CELULAR-02")

        def release():
            return client_release_device(client=shop, by=partner_a_user)

        results = in_threads(release, release, hold_row=shop)

    assert outcome(results) == ["ActionNotAllowed", "Client"]
    (refusal,) = [result for result in results if isinstance(result, ActionNotAllowed)]
    assert refusal.message
    shop.refresh_from_db()
    assert shop.license_key is None
    events = ClientEvent.objects.filter(client=shop, action=Event.RELEASE_DEVICE)
    assert events.count() == settings.DEVICE_RELEASES_PER_MONTH
    assert ReleasedKey.objects.filter(client=shop).count() == 2
    assert RegistrationCode.objects.filter(client=shop, consumed_at__isnull=True).count() == 1
