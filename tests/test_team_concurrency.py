"""Two Administradores demoting each other at the same moment: one of them stays.

PostgreSQL only (real row locks). The team services lock the partner's row first; the test
holds that lock until both changes are waiting for it, then lets them go.
"""

import threading

import pytest
from django.db import connections, transaction

from partners.models import Partner, PartnerUser, Role, TeamEvent
from partners.services import TeamChangeRefused, member_deactivate, member_set_role
from tests.test_action_concurrency import wait_for_lock_waiters

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(partner, *calls):
    results = [None] * len(calls)

    def run(index, call):
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001 -- reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        for thread in threads:
            thread.start()
        wait_for_lock_waiters(len(calls))
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_administrators_cannot_demote_each_other_at_once(partner_a, make_member):
    ana, bia = (make_member(partner_a, name, role=Role.ADMIN) for name in ("ana", "bia"))
    ana_member, bia_member = (PartnerUser.objects.get(user=user) for user in (ana, bia))
    results = _at_once(
        partner_a,
        lambda: member_set_role(member=bia_member, role=Role.OPERATOR, by=ana),
        lambda: member_deactivate(member=ana_member, by=bia),
    )
    assert sorted(type(result).__name__ for result in results) == [
        "PartnerUser",
        "TeamChangeRefused",
    ]
    assert isinstance(next(r for r in results if isinstance(r, Exception)), TeamChangeRefused)
    admins = PartnerUser.objects.filter(partner=partner_a, role=Role.ADMIN, user__is_active=True)
    assert admins.count() == 1
    assert TeamEvent.objects.count() == 1
