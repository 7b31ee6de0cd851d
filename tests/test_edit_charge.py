"""Editar's and Reativar's charge preview: the form shows what saving costs the partner's
credit, and only a POST confirming that amount saves (clients.services.charges)."""

import datetime

import pytest

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import CreditEntry, EntryKind, License, Module, Price, Product, Renewal
from clients.services import client_edit
from clients.services.charges import ChargeChanged
from clients.services.credit import balance, credit_add
from tests.client_actions import Unchanged, action_url, form_data, messages_of

pytestmark = pytest.mark.usefixtures("action_day")  # 18/03/2026

# A vencimento on 27/03: its period runs 28/02–27/03 (28 days), 10 of them left on 18/03.
DUE = datetime.date(2026, 3, 27)
CLOUD_MONTHLY = 5000  # R$ 50,00
CLOUD_PRORATED = 1786  # 5000 × 10 / 28 = 1785,71 → R$ 17,86


@pytest.fixture
def prices(db):
    day = datetime.date(2026, 1, 1)
    Price.objects.create(product=Product.LINK, module=Module.MAIN, monthly=9990, valid_from=day)
    Price.objects.create(
        product=Product.LINK, module=Module.CLOUD, monthly=CLOUD_MONTHLY, valid_from=day
    )


@pytest.fixture
def credit(partner_a, staff_user):
    def add(amount):
        credit_add(partner=partner_a, amount=amount, by=staff_user, description="Pix")

    return add


@pytest.fixture
def shop(partner_a, make_client, prices):
    return make_client(partner_a, product=Product.LINK, expires_on=DUE, renewal=Renewal.MANUAL)


def with_cloud(shop, **overrides):
    return {**form_data(shop), "cloud": "on", **overrides}


def charges(partner):
    return CreditEntry.objects.filter(partner=partner).exclude(kind=EntryKind.CREDIT)


def test_adding_a_module_shows_the_charge_and_saves_nothing(client_a, partner_a, shop, credit):
    credit(40000)
    with Unchanged(shop):
        page = client_a.post(action_url(Action.EDIT, shop), with_cloud(shop))
    assert page.status_code == 200
    assert (
        "Esta alteração cobra R$ 17,86: Cloud, proporcional de 10 de 28 dias (até 27/03/2026). "
        "Saldo: R$ 400,00." in page.text
    )
    assert "Saldo depois da alteração: R$ 382,14." in page.text
    assert f'name="confirmed_charge" value="{CLOUD_PRORATED}"' in page.text
    assert "Confirmar e pagar R$ 17,86" in page.text
    assert balance(partner_a) == 40000 and not charges(partner_a).exists()


def test_the_confirmed_post_saves_and_charges_the_amount_shown(client_a, partner_a, shop, credit):
    credit(40000)
    data = with_cloud(shop, confirmed_charge=CLOUD_PRORATED)
    response = client_a.post(action_url(Action.EDIT, shop), data)
    assert response.status_code == 302
    assert shop.licenses.get(module=Module.CLOUD).quantity == 1
    (entry,) = charges(partner_a)
    assert (entry.kind, entry.amount, entry.client) == (EntryKind.PROPORTIONAL, -1786, shop)
    assert entry.event.action == "editar"
    assert balance(partner_a) == 40000 - CLOUD_PRORATED
    assert messages_of(response) == [
        f"Cadastro de {shop.name} salvo. R$ 17,86 debitados do crédito."
    ]


def test_a_price_changed_since_the_preview_shows_it_again(client_a, partner_a, shop, credit):
    credit(40000)
    Price.objects.create(
        product=Product.LINK,
        module=Module.CLOUD,
        monthly=8400,
        valid_from=datetime.date(2026, 3, 1),
    )
    with Unchanged(shop):
        page = client_a.post(
            action_url(Action.EDIT, shop), with_cloud(shop, confirmed_charge=CLOUD_PRORATED)
        )
    assert page.status_code == 200
    assert "O valor mudou desde a prévia anterior (R$ 17,86)" in page.text
    assert "Esta alteração cobra R$ 30,00" in page.text  # 8400 × 10 / 28
    assert 'name="confirmed_charge" value="3000"' in page.text
    assert not charges(partner_a).exists()


def test_too_little_credit_shows_what_is_missing_and_saves_nothing(
    client_a, partner_a, shop, credit
):
    credit(1000)
    for data in (with_cloud(shop), with_cloud(shop, confirmed_charge=CLOUD_PRORATED)):
        with Unchanged(shop):
            page = client_a.post(action_url(Action.EDIT, shop), data)
        assert page.status_code == 200
        assert "Crédito insuficiente" in page.text
        assert "Faltam R$ 7,86 para esta alteração. Nada foi salvo" in page.text
        assert "Confirmar e pagar" not in page.text
        assert 'name="confirmed_charge"' not in page.text
    assert balance(partner_a) == 1000


def test_a_reduction_costs_nothing_and_waits_for_next_month(client_a, partner_a, shop, credit):
    License.objects.filter(client=shop, module=Module.MAIN).update(quantity=3)
    response = client_a.post(action_url(Action.EDIT, shop), form_data(shop, licenses=2))
    assert response.status_code == 302
    main = shop.licenses.get(module=Module.MAIN)
    assert (main.quantity, main.scheduled_quantity) == (3, 2)
    assert main.scheduled_from == datetime.date(2026, 4, 1)
    assert not charges(partner_a).exists()


def test_a_reduction_beside_an_increase_is_listed_without_cost(client_a, partner_a, shop, credit):
    credit(40000)
    License.objects.filter(client=shop, module=Module.MAIN).update(quantity=3)
    page = client_a.post(action_url(Action.EDIT, shop), {**with_cloud(shop), "principal": 2})
    assert "Esta alteração cobra R$ 17,86: Cloud" in page.text
    assert "<li>Licenças: 3 licenças; 2 a partir de 01/04/2026</li>" in page.text


def test_a_billing_client_is_saved_without_a_preview(client_a, partner_a, shop, credit):
    shop.renewal = Renewal.BILLING
    shop.save()
    data = with_cloud(shop, renewal=Renewal.BILLING)
    response = client_a.post(action_url(Action.EDIT, shop), data)
    assert response.status_code == 302
    assert shop.licenses.filter(module=Module.CLOUD).exists()
    assert not charges(partner_a).exists()


def test_reactivating_shows_the_months_charge_first(
    client_a, partner_a, make_client_in, prices, credit
):
    credit(40000)
    shop = make_client_in(partner_a, Status.INACTIVE, product=Product.LINK)
    url = action_url(Action.REACTIVATE, shop)
    with Unchanged(shop):
        page = client_a.post(url, form_data(shop))
    assert "Esta alteração cobra R$ 99,90: Licenças, reativação até 18/04/2026." in page.text
    response = client_a.post(url, form_data(shop, confirmed_charge=9990))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.status == Status.ACTIVE
    (entry,) = charges(partner_a)
    assert (entry.kind, entry.amount) == (EntryKind.REACTIVATION, -9990)


def test_the_service_refuses_an_amount_other_than_the_confirmed_one(
    partner_a, partner_a_user, shop, credit
):
    credit(40000)
    licenses = {Module.MAIN: 1, Module.CLOUD: 1}
    fields = {name: getattr(shop, name) for name in ("name", "email", "uf", "city", "renewal")}
    with Unchanged(shop), pytest.raises(ChargeChanged, match="mudou de R\\$ 10,00 para R\\$ 17,86"):
        client_edit(
            client=shop, by=partner_a_user, fields=fields, licenses=licenses, confirmed_charge=1000
        )
    assert balance(partner_a) == 40000
    client_edit(
        client=shop,
        by=partner_a_user,
        fields=fields,
        licenses=licenses,
        confirmed_charge=CLOUD_PRORATED,
    )
    assert balance(partner_a) == 40000 - CLOUD_PRORATED


def test_a_free_change_must_still_be_free_when_it_is_saved(partner_a, partner_a_user, shop, credit):
    """The view saves a change its preview found free with confirmed_charge=0: a price that
    appears before the lock is not charged unseen."""
    credit(40000)
    fields = {name: getattr(shop, name) for name in ("name", "email", "uf", "city", "renewal")}
    with Unchanged(shop), pytest.raises(ChargeChanged):
        client_edit(
            client=shop,
            by=partner_a_user,
            fields=fields,
            licenses={Module.MAIN: 1, Module.CLOUD: 1},
            confirmed_charge=0,
        )
