"""manage.py reconcile_credit: each partner's stored balance against the sum of its entries,
a tampered balance or entry found and reported with exit status 1."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from clients.models import CreditAccount, CreditEntry
from clients.services.credit import credit_add


def _run():
    out = []

    class Out:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    try:
        call_command("reconcile_credit", stdout=Out())
    except CommandError as error:
        return error.returncode, "".join(out), str(error)
    return 0, "".join(out), ""


@pytest.fixture
def credited(partner_a, partner_b, staff_user):
    credit_add(partner=partner_a, amount=10000, by=staff_user)
    credit_add(partner=partner_a, amount=2550, by=staff_user)
    credit_add(partner=partner_b, amount=500, by=staff_user)


def test_matching_balances_pass(credited):
    status, out, _ = _run()
    assert status == 0
    assert "Saldos conferem: 2 parceiros." in out


def test_no_accounts_yet_pass(db):
    assert _run()[:2] == (0, "Saldos conferem: 0 parceiros.\n")


def test_a_balance_changed_behind_the_services_is_found(credited, partner_a):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CreditAccount._meta.db_table} SET balance = balance + 100000 "
            "WHERE partner_id = %s",
            [partner_a.pk],
        )

    status, out, error = _run()

    assert status == 1
    assert out == (
        "alfa: saldo guardado R$ 1.125,50, soma dos lançamentos R$ 125,50, diferença R$ 1.000,00\n"
    )
    assert "1 parceiro(s) com o saldo diferente da soma dos lançamentos." in error


def test_an_entry_changed_behind_the_services_is_found(credited, partner_b):
    entry = CreditEntry.objects.get(partner=partner_b)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {CreditEntry._meta.db_table} SET amount = 50 WHERE id = %s", [entry.pk]
        )

    status, out, _ = _run()

    assert status == 1
    assert out.startswith("beta: saldo guardado R$ 5,00, soma dos lançamentos R$ 0,50")
    assert "diferença R$ 4,50" in out
