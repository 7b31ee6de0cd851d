"""Parallel debits never take a partner's credit below zero (PostgreSQL, each renewal on its
own connection): the account row is locked for the whole write (clients.services.credit)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connections

from clients.domain.status import Status
from clients.models import CreditEntry, EntryKind, Module, Price, Product, Renewal
from clients.services import client_renew
from clients.services import credit as credit_service
from clients.services.credit import InsufficientCredit, balance, credit_add, reconcile

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_renewals_at_once_with_credit_for_one_leave_the_balance_at_zero(
    partner_a, partner_a_user, staff_user, make_client_in, monkeypatch
):
    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=4990, valid_from=dt.date(2020, 1, 1)
    )
    credit_add(partner=partner_a, amount=4990, by=staff_user)
    shops = [
        make_client_in(partner_a, Status.EXPIRED, renewal=Renewal.MANUAL, name=name)
        for name in ("Loja Um", "Loja Dois")
    ]
    # Widen the race: each writer holds what it read of the account a moment before going
    # on, long enough for the other to read it too unless the row is locked.
    read_account = credit_service.locked_account

    def slow_locked_account(partner_id):
        account = read_account(partner_id)
        time.sleep(0.5)
        return account

    monkeypatch.setattr(credit_service, "locked_account", slow_locked_account)
    start, results = threading.Barrier(2), {}

    def renew(shop):
        start.wait()
        try:
            results[shop.name] = client_renew(client=shop, by=partner_a_user)
        except Exception as error:  # noqa: BLE001 -- reported to the test
            results[shop.name] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=renew, args=(shop,)) for shop in shops]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    refused = [r for r in results.values() if isinstance(r, Exception)]
    assert len(refused) == 1, results
    assert isinstance(refused[0], InsufficientCredit), refused
    assert refused[0].missing == 4990
    assert balance(partner_a) == 0
    assert CreditEntry.objects.filter(kind=EntryKind.RENEWAL).count() == 1
    assert reconcile() == []
