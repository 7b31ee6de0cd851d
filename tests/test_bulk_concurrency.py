"""A bulk Renovar racing a single Suspender on the same client (PostgreSQL, threads).

The preview is made first; then the bulk confirmation and the suspension start together while
this test holds the client's row lock, and are let go once both wait for it. Whichever gets
the row first, the result is one of the two serial orders, and the bulk report says what
happened: renewed then suspended, or suspended and the renewal refused because the client
changed since the preview.
"""

import pytest
from django.test import RequestFactory

from clients.domain.actions import Action
from clients.domain.dates import add_months
from clients.models import Client, ClientEvent
from clients.scoping import partner_clients
from clients.services import bulk, client_suspend
from tests.test_action_concurrency import in_threads

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 4


def test_a_bulk_renewal_racing_a_suspension_ends_in_one_serial_order(
    partner_a, partner_a_user, make_client_in
):
    request = RequestFactory().get("/")
    request.partner, request.user = partner_a, partner_a_user
    outcomes = set()
    for _ in range(ROUNDS):
        target = make_client_in(partner_a, "ativo")  # Renovação manual: renewable
        expires = target.expires_on
        preview = bulk.preview(
            action=Action.RENEW,
            clients=partner_clients(request).filter(pk=target.pk),
            partner=partner_a,
            user=partner_a_user,
        )
        assert [line.allowed for line in preview.lines] == [True]

        def confirm(token=preview.token):
            action, bound = bulk.read_token(token=token, partner=partner_a, user=partner_a_user)
            return bulk.apply_bound(
                action=action, bound=bound, clients=partner_clients(request), user=partner_a_user
            )

        def suspend(target=target):
            return client_suspend(client=target, by=partner_a_user)

        confirmed, suspended = in_threads(confirm, suspend, hold_row=target)
        assert isinstance(suspended, Client), suspended
        (result,) = confirmed
        target.refresh_from_db()
        events = list(
            ClientEvent.objects.filter(client=target)
            .order_by("at", "id")
            .values_list("action", flat=True)
        )
        assert target.suspended_at is not None
        if result.done:  # the renewal got the row first
            assert events == ["renovar", "suspender"]
            assert target.expires_on == add_months(expires, 1)
        else:  # the suspension did: the preview no longer holds
            assert result.message == bulk.CHANGED
            assert events == ["suspender"]
            assert target.expires_on == expires
        outcomes.add(result.done)
    print("outcomes seen (True = renewed first):", outcomes)
