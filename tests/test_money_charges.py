"""What Renovar, Reativar and Editar cost the partner (clients.services with
clients.domain.money), with the clock fixed: the charge, its entry in the extrato, the refusal
when the credit is short — and that a refusal changes nothing."""

import datetime
import zoneinfo

import pytest
import time_machine

from clients.models import (
    Client,
    ClientEvent,
    CreditEntry,
    EntryKind,
    License,
    Module,
    Price,
    Product,
    Renewal,
)
from clients.services import client_edit, client_reactivate, client_renew
from clients.services.credit import InsufficientCredit, balance, credit_add
from tests.client_actions import Unchanged

D = datetime.date
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


def at(day: datetime.date):
    """The clock at 10:00 of `day` in São Paulo."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(10), SAO_PAULO))


@pytest.fixture
def prices(db):
    """R$ 50,00 a Navi or Link license, R$ 10,00 Cloud, from 1 January 2026."""
    for product in Product:
        Price.objects.create(
            product=product, module=Module.MAIN, monthly=50_00, valid_from=D(2026, 1, 1)
        )
        Price.objects.create(
            product=product, module=Module.CLOUD, monthly=10_00, valid_from=D(2026, 1, 1)
        )


@pytest.fixture
def credit(partner_a):
    def give(amount):
        credit_add(partner=partner_a, amount=amount, by=None, description="Pix")

    return give


def fields_of(client, **overrides) -> dict:
    data = {name: getattr(client, name) for name in ("name", "email", "uf", "city", "renewal")}
    return {**data, **overrides}


def debits(partner):
    return list(CreditEntry.objects.filter(partner=partner).exclude(kind=EntryKind.CREDIT))


class Untouched(Unchanged):
    """Unchanged (the client, its licenses, its history) and the partner's money as well."""

    def __enter__(self):
        super().__enter__()
        self.balance = balance(self.client.partner_id)
        self.entries = CreditEntry.objects.filter(partner_id=self.client.partner_id).count()
        return self

    def __exit__(self, *exc):
        super().__exit__(*exc)
        if exc[0] is None:
            assert balance(self.client.partner_id) == self.balance
            assert (
                CreditEntry.objects.filter(partner_id=self.client.partner_id).count()
                == self.entries
            )


# Renovar


@pytest.mark.usefixtures("prices")
def test_renovar_debits_a_month_of_licenses_linked_to_the_client_and_its_event(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 3, 18)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 3, 17), licenses=3)  # Expirado
        client_renew(client=shop, by=partner_a_user)
    (entry,) = debits(partner_a)
    assert (entry.kind, entry.amount, entry.balance_after) == (EntryKind.RENEWAL, -150_00, 250_00)
    assert entry.client == shop
    assert entry.event == ClientEvent.objects.get(client=shop, action="renovar")
    assert entry.description == "Renovação até 17/04/2026"
    assert (entry.actor, entry.actor_label) == (partner_a_user, "ana")
    assert balance(partner_a) == 250_00


@pytest.mark.usefixtures("prices")
def test_renovar_counts_the_modules_in_force(partner_a, partner_a_user, make_client, credit):
    with at(D(2026, 3, 18)):
        credit(400_00)
        shop = make_client(partner_a, product=Product.LINK, expires_on=D(2026, 3, 17), licenses=2)
        License.objects.create(client=shop, module=Module.CLOUD, quantity=1)
        client_renew(client=shop, by=partner_a_user)
    assert [e.amount for e in debits(partner_a)] == [-(2 * 50_00 + 10_00)]


@pytest.mark.usefixtures("prices")
def test_renovar_counts_a_reduction_scheduled_for_the_new_periods_first_day(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 3, 18)):
        credit(400_00)
        # Ativo through 31 March; 3 licenses now, 2 from 1 April (the new period's first day).
        shop = make_client(partner_a, expires_on=D(2026, 3, 31), licenses=3)
        shop.licenses.update(scheduled_quantity=2, scheduled_from=D(2026, 4, 1))
        client_renew(client=shop, by=partner_a_user)
    assert [e.amount for e in debits(partner_a)] == [-2 * 50_00]
    shop.refresh_from_db()
    assert shop.expires_on == D(2026, 4, 30)


@pytest.mark.usefixtures("prices")
def test_a_reduction_after_the_new_periods_first_day_is_not_counted_yet(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 3, 18)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 3, 17), licenses=3)  # new period 18/03
        shop.licenses.update(scheduled_quantity=1, scheduled_from=D(2026, 4, 1))
        client_renew(client=shop, by=partner_a_user)
    assert [e.amount for e in debits(partner_a)] == [-3 * 50_00]


def test_a_later_price_does_not_rewrite_past_charges(
    partner_a, partner_a_user, make_client, credit, prices
):
    with at(D(2026, 3, 18)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 3, 17), licenses=3)
        client_renew(client=shop, by=partner_a_user)  # → 17/04, at R$ 50,00
        Price.objects.create(
            product=Product.NAVI, module=Module.MAIN, monthly=70_00, valid_from=D(2026, 4, 1)
        )
    with at(D(2026, 4, 20)):  # Expirado again
        client_renew(client=shop, by=partner_a_user)
    first, second = sorted(debits(partner_a), key=lambda entry: entry.pk)
    assert (first.amount, first.balance_after) == (-150_00, 250_00)
    assert (second.amount, second.balance_after) == (-210_00, 40_00)


def test_without_prices_renovar_costs_nothing(partner_a, partner_a_user, make_client):
    with at(D(2026, 3, 18)):
        shop = make_client(partner_a, expires_on=D(2026, 3, 17), licenses=3)
        client_renew(client=shop, by=partner_a_user)
    shop.refresh_from_db()
    assert shop.expires_on == D(2026, 4, 17)
    assert debits(partner_a) == []
    assert balance(partner_a) == 0


@pytest.mark.usefixtures("prices")
def test_renovar_with_too_little_credit_is_refused_and_changes_nothing(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 3, 18)):
        credit(100_00)
        shop = make_client(partner_a, expires_on=D(2026, 3, 17), licenses=3)
        with Untouched(shop), pytest.raises(InsufficientCredit) as refused:
            client_renew(client=shop, by=partner_a_user)
    assert refused.value.message == (
        "Crédito insuficiente: esta operação custa R$ 150,00 e o saldo é R$ 100,00. "
        "Faltam R$ 50,00."
    )
    assert balance(partner_a) == 100_00


# Reativar


@pytest.mark.usefixtures("prices")
def test_reativar_debits_a_month_at_the_new_counts(partner_a, partner_a_user, make_client, credit):
    with at(D(2026, 3, 18)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 2, 10), licenses=1)  # Inativo
        client_reactivate(client=shop, by=partner_a_user, licenses={Module.MAIN: 3})
    (entry,) = debits(partner_a)
    assert (entry.kind, entry.amount, entry.balance_after) == (
        EntryKind.REACTIVATION,
        -150_00,
        250_00,
    )
    assert entry.event == ClientEvent.objects.get(client=shop, action="reativar")
    assert entry.description == "Reativação até 18/04/2026"


@pytest.mark.usefixtures("prices")
def test_reativar_with_too_little_credit_is_refused_and_changes_nothing(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 3, 18)):
        credit(100_00)
        shop = make_client(partner_a, expires_on=D(2026, 2, 10), licenses=1)
        with Untouched(shop), pytest.raises(InsufficientCredit) as refused:
            client_reactivate(client=shop, by=partner_a_user, licenses={Module.MAIN: 3})
    assert "Faltam R$ 50,00." in refused.value.message


# Editar: increases prorated, reductions free and next month


@pytest.mark.usefixtures("prices")
def test_editar_charges_an_increase_for_the_days_left(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 5, 6)):  # 10 of the 30 days of 16/04–15/05 left
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 5, 15), licenses=1)
        client_edit(
            client=shop, by=partner_a_user, fields=fields_of(shop), licenses={Module.MAIN: 3}
        )
    (entry,) = debits(partner_a)
    # 2 licenses × R$ 50,00 × 10/30 = R$ 33,33
    assert (entry.kind, entry.amount, entry.balance_after) == (
        EntryKind.PROPORTIONAL,
        -33_33,
        366_67,
    )
    assert entry.description == "Proporcional de 10 de 30 dias (até 15/05/2026)"
    assert entry.event == ClientEvent.objects.get(client=shop, action="editar")
    assert shop.licenses.get(module=Module.MAIN).current_quantity(D(2026, 5, 6)) == 3


@pytest.mark.usefixtures("prices")
def test_editar_charges_a_module_added_for_the_days_left(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 5, 6)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 5, 15), licenses=1)
        client_edit(
            client=shop,
            by=partner_a_user,
            fields=fields_of(shop),
            licenses={Module.MAIN: 1, Module.CLOUD: 1},
        )
    assert [e.amount for e in debits(partner_a)] == [-3_33]  # R$ 10,00 × 10/30


@pytest.mark.usefixtures("prices")
def test_editar_reductions_charge_nothing_and_take_effect_next_month(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 5, 6)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 5, 15), licenses=3)
        client_edit(
            client=shop, by=partner_a_user, fields=fields_of(shop), licenses={Module.MAIN: 1}
        )
    assert debits(partner_a) == []
    assert balance(partner_a) == 400_00
    main = shop.licenses.get(module=Module.MAIN)
    assert main.current_quantity(D(2026, 5, 31)) == 3
    assert main.current_quantity(D(2026, 6, 1)) == 1


@pytest.mark.usefixtures("prices")
def test_editar_with_too_little_credit_is_refused_and_changes_nothing(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 5, 6)):
        credit(10_00)
        shop = make_client(partner_a, expires_on=D(2026, 5, 15), licenses=1, name="Bar Lua")
        with Untouched(shop), pytest.raises(InsufficientCredit) as refused:
            client_edit(
                client=shop,
                by=partner_a_user,
                fields=fields_of(shop, name="Bar Sol"),
                licenses={Module.MAIN: 3},
            )
    assert "custa R$ 33,33 e o saldo é R$ 10,00. Faltam R$ 23,33." in refused.value.message


# Gestão de cobranças: the vendor charges the end customer, never the partner.


@pytest.mark.usefixtures("prices")
def test_gestao_de_cobrancas_clients_are_never_debited(partner_a, partner_a_user, make_client):
    with at(D(2026, 5, 6)):  # no credit at all
        billed = make_client(
            partner_a, expires_on=D(2026, 5, 15), licenses=1, renewal=Renewal.BILLING
        )
        client_edit(
            client=billed, by=partner_a_user, fields=fields_of(billed), licenses={Module.MAIN: 4}
        )
        inactive = make_client(
            partner_a, expires_on=D(2026, 3, 10), licenses=1, renewal=Renewal.BILLING
        )
        client_reactivate(client=inactive, by=partner_a_user, licenses={Module.MAIN: 2})
    assert debits(partner_a) == []
    assert balance(partner_a) == 0
    assert Client.objects.get(pk=inactive.pk).expires_on == D(2026, 6, 6)


@pytest.mark.usefixtures("prices")
def test_switching_to_renovacao_manual_in_the_same_edit_charges_the_increase(
    partner_a, partner_a_user, make_client, credit
):
    with at(D(2026, 5, 6)):
        credit(400_00)
        shop = make_client(
            partner_a, expires_on=D(2026, 5, 15), licenses=1, renewal=Renewal.BILLING
        )
        client_edit(
            client=shop,
            by=partner_a_user,
            fields=fields_of(shop, renewal=Renewal.MANUAL),
            licenses={Module.MAIN: 3},
        )
    assert [e.amount for e in debits(partner_a)] == [-33_33]


@pytest.mark.usefixtures("prices")
def test_switching_away_from_renovacao_manual_in_the_same_edit_still_charges_the_increase(
    partner_a, partner_a_user, make_client, credit
):
    # Otherwise: manual → Gestão with +2 licenses, then back to manual, and the two licenses
    # of the rest of the period were never paid by anyone.
    with at(D(2026, 5, 6)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 5, 15), licenses=1)
        client_edit(
            client=shop,
            by=partner_a_user,
            fields=fields_of(shop, renewal=Renewal.BILLING),
            licenses={Module.MAIN: 3},
        )
    assert [e.amount for e in debits(partner_a)] == [-33_33]


@pytest.mark.usefixtures("prices")
def test_reativar_switching_away_from_renovacao_manual_still_charges_the_month(
    partner_a, partner_a_user, make_client
):
    with at(D(2026, 3, 18)):  # no credit
        shop = make_client(partner_a, expires_on=D(2026, 2, 10), licenses=1)
        with Untouched(shop), pytest.raises(InsufficientCredit):
            client_reactivate(
                client=shop, by=partner_a_user, fields=fields_of(shop, renewal=Renewal.BILLING)
            )


@pytest.mark.usefixtures("prices")
def test_renovar_charges_only_the_amount_its_confirmation_showed(
    partner_a, partner_a_user, make_client, credit, client_a
):
    from django.urls import reverse

    with at(D(2026, 5, 6)):
        credit(400_00)
        shop = make_client(partner_a, expires_on=D(2026, 5, 15), licenses=3)
        page = client_a.get(reverse("clients:confirm", args=[shop.pk, "renovar"]))
        assert 'name="valor" value="15000"' in page.text  # 3 × R$ 50,00
        # The vendor's staff raise the price before the partner confirms.
        Price.objects.create(
            product=Product.NAVI, module=Module.MAIN, monthly=70_00, valid_from=D(2026, 5, 6)
        )
        with Untouched(shop):
            refused = client_a.post(
                reverse("clients:renovar", args=[shop.pk]), {"valor": "15000"}, follow=True
            )
        assert "mudou de R$ 150,00 para R$ 210,00" in refused.text
        done = client_a.post(
            reverse("clients:renovar", args=[shop.pk]), {"valor": "21000"}, follow=True
        )
    assert "foi renovado até 15/06/2026" in done.text
    assert [e.amount for e in debits(partner_a)] == [-210_00]
