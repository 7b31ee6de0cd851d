"""Renovar: POST /clientes/<pk>/renovar/ (Renovação manual clients, Expirado or Ativo)."""

import datetime

import pytest
import time_machine

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import ClientEvent, Renewal
from clients.services import RENEWED_BY_VENDOR
from tests.client_actions import Unchanged, action_url, messages_of, refused_statuses


@pytest.mark.usefixtures("action_day")
def test_it_renews_an_expired_client_for_a_calendar_month(client_a, partner_a, make_client):
    shop = make_client(partner_a, name="Bar Lua", expires_on=datetime.date(2026, 3, 10))
    response = client_a.post(action_url(Action.RENEW, shop))
    assert response.status_code == 302
    shop.refresh_from_db()
    assert shop.expires_on == datetime.date(2026, 4, 10)
    assert shop.status == Status.ACTIVE
    event = ClientEvent.objects.get(client=shop)
    assert (event.before["expires_on"], event.after["expires_on"]) == ("2026-03-10", "2026-04-10")
    assert messages_of(response) == ["Bar Lua foi renovado até 10/04/2026."]


@pytest.mark.parametrize(
    ("now", "renewed_until"),
    [
        (datetime.datetime(2026, 1, 20, 12, tzinfo=datetime.UTC), datetime.date(2026, 2, 28)),
        (datetime.datetime(2028, 1, 20, 12, tzinfo=datetime.UTC), datetime.date(2028, 2, 29)),
    ],
    ids=["common-year", "leap-year"],
)
def test_the_31st_of_january_renews_to_the_end_of_february(
    client, partner_a, partner_a_user, make_client, now, renewed_until
):
    with time_machine.travel(now):
        client.force_login(partner_a_user)  # a session started in that January
        shop = make_client(partner_a, expires_on=now.date().replace(day=31))  # Ativo, manual
        client.post(action_url(Action.RENEW, shop))
    shop.refresh_from_db()
    assert shop.expires_on == renewed_until


@pytest.mark.usefixtures("action_day")
def test_an_active_client_with_manual_renewal_gets_one_more_month(client_a, partner_a, make_client):
    shop = make_client(partner_a, expires_on=datetime.date(2026, 5, 31), renewal=Renewal.MANUAL)
    client_a.post(action_url(Action.RENEW, shop))
    shop.refresh_from_db()
    assert shop.expires_on == datetime.date(2026, 6, 30)


@pytest.mark.usefixtures("action_day")
def test_a_renewal_does_not_lift_a_suspension(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.EXPIRED, suspended_at="2026-03-01T12:00:00Z")
    client_a.post(action_url(Action.RENEW, shop))
    shop.refresh_from_db()
    assert shop.status == Status.SUSPENDED


@pytest.mark.usefixtures("action_day")
def test_it_rejects_get(client_a, partner_a, make_client_in):
    shop = make_client_in(partner_a, Status.EXPIRED)
    with Unchanged(shop):
        assert client_a.get(action_url(Action.RENEW, shop)).status_code == 405


@pytest.mark.usefixtures("action_day")
def test_another_partners_client_is_not_found(client_a, partner_b, make_client_in):
    theirs = make_client_in(partner_b, Status.EXPIRED)
    with Unchanged(theirs):
        assert client_a.post(action_url(Action.RENEW, theirs)).status_code == 404


@pytest.mark.usefixtures("action_day")
@pytest.mark.parametrize(
    ("status", "renewal"),
    [(s, Renewal.MANUAL) for s in refused_statuses(Action.RENEW, renewal=Renewal.MANUAL)]
    + [(s, Renewal.BILLING) for s in refused_statuses(Action.RENEW, renewal=Renewal.BILLING)],
)
def test_it_refuses_every_other_status(client_a, partner_a, make_client_in, status, renewal):
    shop = make_client_in(partner_a, status, renewal=renewal)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.RENEW, shop))
    if renewal == Renewal.BILLING and status in (Status.ACTIVE, Status.EXPIRED):
        expected = RENEWED_BY_VENDOR.format(action="Renovar")
    else:
        expected = f"“Renovar” não está disponível para um cliente {status.label}."
    assert messages_of(response) == [expected]


@pytest.mark.usefixtures("action_day")
@pytest.mark.parametrize("status", [Status.EXPIRED, Status.ACTIVE])
def test_a_gestao_de_cobrancas_client_is_left_to_the_vendor(
    client_a, partner_a, make_client_in, status
):
    shop = make_client_in(partner_a, status, renewal=Renewal.BILLING)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.RENEW, shop))
    assert messages_of(response) == [
        "“Renovar” não está disponível para um cliente com Gestão de cobranças: o fornecedor "
        "o renova quando o cliente final paga."
    ]


@pytest.mark.usefixtures("action_day")
def test_too_little_credit_is_refused_with_what_is_missing_and_changes_nothing(
    client_a, partner_a, make_client_in
):
    from clients.models import CreditEntry, Module, Price, Product
    from clients.services.credit import balance, credit_add

    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=50_00, valid_from="2026-01-01"
    )
    credit_add(partner=partner_a, amount=100_00, by=None)
    shop = make_client_in(partner_a, Status.EXPIRED, licenses=3)
    with Unchanged(shop):
        response = client_a.post(action_url(Action.RENEW, shop))
    assert response.status_code == 302
    assert messages_of(response) == [
        "Crédito insuficiente: esta operação custa R$ 150,00 e o saldo é R$ 100,00. "
        "Faltam R$ 50,00."
    ]
    assert balance(partner_a) == 100_00
    assert CreditEntry.objects.count() == 1  # the credit added, nothing spent
