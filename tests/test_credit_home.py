"""Início's Crédito atual card: the balance, a link to Crédito, and a hint when it does not
cover the Renovação manual renewals of the next 30 days (clients.domain.outlook)."""

import datetime

import pytest
from django.urls import reverse

from clients.domain.dates import add_months
from clients.domain.money import PriceList, renewal_charge
from clients.domain.outlook import upcoming_renewals_cost, upcoming_renewals_q
from clients.models import Client, License, Module, Price, Product, Renewal
from clients.services.credit import credit_add
from tests.conftest import facts_for

HOME = reverse("home")


def card(response) -> str:
    html = response.text
    start = html.index('<li class="home-card home-card-credit')
    return html[start : html.index("</li>", start)]


@pytest.fixture
def prices(db):
    for product, module, monthly in (
        (Product.NAVI, Module.MAIN, 4990),
        (Product.LINK, Module.MAIN, 8990),
        (Product.LINK, Module.CLOUD, 1500),
        (Product.LINK, Module.WAITER, 2000),
    ):
        Price.objects.create(
            product=product, module=module, monthly=monthly, valid_from=datetime.date(2026, 1, 1)
        )


def soon(day, days):
    return {"expires_on": day + datetime.timedelta(days=days)}


def test_the_card_shows_the_balance_and_links_to_credito(client_a, partner_a, staff_user, today):
    credit_add(partner=partner_a, amount=123456, by=staff_user)
    html = card(client_a.get(HOME))
    assert f'href="{reverse("clients:credit")}"' in html
    assert "R$ 1.234,56" in html and "Crédito atual" in html
    assert "Ver o extrato" in html and "home-card-danger" not in html


def test_it_warns_when_the_balance_does_not_cover_the_next_renewals(
    client_a, partner_a, staff_user, make_client, make_client_in, prices, today
):
    make_client(partner_a, licenses=2, **soon(today, 10))  # 2 × 49,90
    make_client_in(partner_a, "expirado")  # 49,90
    # Not counted: Gestão de cobranças, due in 30 days or later, Suspenso, another partner's.
    make_client(partner_a, renewal=Renewal.BILLING, **soon(today, 3))
    make_client(partner_a, **soon(today, 30))
    make_client_in(partner_a, "suspenso", **soon(today, 5))
    credit_add(partner=partner_a, amount=14969, by=staff_user)
    html = card(client_a.get(HOME))
    assert "home-card-danger" in html
    assert "Não cobre as renovações manuais dos próximos 30 dias (R$ 149,70)" in html
    credit_add(partner=partner_a, amount=1, by=staff_user)
    html = card(client_a.get(HOME))
    assert "home-card-danger" not in html
    assert "Renovações manuais dos próximos 30 dias: R$ 149,70" in html


@pytest.mark.parametrize(
    "day",
    [
        datetime.date(2026, 5, 15),
        datetime.date(2026, 1, 31),  # renewals cross the month's end
        datetime.date(2026, 12, 20),  # and the year's
        datetime.date(2026, 3, 1),  # no Expirado on the 1st
    ],
)
def test_the_estimate_is_the_sum_of_the_renewal_charges(
    partner_a, partner_b, make_client, prices, day
):
    """The SQL twin agrees with renewal_charge, client by client, with modules and
    reductions scheduled before, on and after each new period's first day."""
    for offset in (-20, -1, 0, 1, 9, 17, 29, 30):
        for product in Product:
            facts = {"expires_on": day + datetime.timedelta(days=offset)}
            made = make_client(partner_a, product=product, licenses=3, **facts)
            first_day = made.expires_on + datetime.timedelta(days=1)
            License.objects.filter(client=made, module=Module.MAIN).update(
                scheduled_quantity=1,
                scheduled_from=add_months(first_day.replace(day=1), offset % 2),
            )
            if product == Product.LINK:
                License.objects.create(client=made, module=Module.CLOUD, quantity=1)
                License.objects.create(client=made, module=Module.WAITER, quantity=2)
    make_client(partner_a, **facts_for("suspenso", day))
    make_client(partner_b, licenses=9, expires_on=day)
    clients = Client.objects.filter(partner=partner_a)
    prices_ = PriceList(day)
    expected = sum(
        renewal_charge(client, add_months(client.expires_on, 1), prices_).amount
        for client in clients.filter(upcoming_renewals_q(day)).prefetch_related("licenses")
    )
    assert expected > 0
    assert upcoming_renewals_cost(clients, day) == expected
