"""The vendor staff's side of the money in the Django admin: prices typed in reais and never
rewritten once in force, credit added and entries reversed through clients.services.credit,
the extrato read-only, and Gestão de cobranças clients renewed when their charge is paid."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from clients.domain.status import Status
from clients.models import (
    ClientEvent,
    CreditAccount,
    CreditEntry,
    EntryKind,
    Module,
    Price,
    Product,
    Renewal,
)
from clients.services import client_renew, renewed_until
from clients.services.credit import balance, credit_add
from tests.conftest import PASSWORD, sign_in_staff

PRICES = reverse("admin:clients_price_changelist")
ADD_PRICE = reverse("admin:clients_price_add")
ADD_CREDIT = reverse("admin:clients_creditaccount_add_credit")
ENTRIES = reverse("admin:clients_creditentry_changelist")
CLIENTS = reverse("admin:clients_client_changelist")


@pytest.fixture(autouse=True)
def clock(action_day):
    return action_day  # 18/03/2026


def _price(admin_client_, **fields):
    data = {"product": "link", "module": "principal", "monthly": "49,90"}
    data["valid_from"] = "18/03/2026"
    data.update(fields)
    return admin_client_.post(ADD_PRICE, data)


def _errors(response):
    return {
        name: list(errors) for name, errors in response.context["adminform"].form.errors.items()
    }


# Prices --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "centavos"),
    [("49,90", 4990), ("R$ 1.234,56", 123456), ("10", 1000), ("0,5", 50), ("49.90", 4990)],
)
def test_a_price_is_typed_in_reais_and_kept_in_centavos(admin_client_, typed, centavos):
    response = _price(admin_client_, monthly=typed)

    assert response.status_code == 302, _errors(response)
    assert Price.objects.get().monthly == centavos


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"valid_from": ""}, "valid_from", "Informe a data de início."),
        ({"monthly": "49,999"}, "monthly", "no máximo 2 casas decimais"),
        ({"monthly": "1.234"}, "monthly", "no máximo 2 casas decimais"),
        ({"monthly": "-1,00"}, "monthly", "não pode ser negativo"),
        ({"monthly": "quarenta"}, "monthly", "Informe o valor em reais"),
        ({"monthly": ""}, "monthly", "Informe o valor em reais"),
        ({"valid_from": "17/03/2026"}, "valid_from", "hoje em diante"),
        (
            {"product": "navi", "module": "link_garcom"},
            "module",
            "Este módulo não é vendido para o Navi.",
        ),
    ],
)
def test_a_bad_price_gets_a_portuguese_message_and_saves_nothing(
    admin_client_, fields, field, message
):
    response = _price(admin_client_, **fields)

    assert response.status_code == 200
    assert any(message in error for error in _errors(response)[field]), _errors(response)
    assert not Price.objects.exists()


def test_a_second_price_with_the_same_start_is_refused(admin_client_):
    _price(admin_client_)
    response = _price(admin_client_, monthly="59,90")

    assert "Já há um preço deste módulo com esta data de início." in response.text
    assert list(Price.objects.values_list("monthly", flat=True)) == [4990]


def test_the_price_list_shows_reais(admin_client_):
    Price.objects.create(
        product="link", module="principal", monthly=123456, valid_from=dt.date(2026, 1, 1)
    )
    assert "R$ 1.234,56" in admin_client_.get(PRICES).text


def test_a_price_in_force_is_never_edited_or_deleted(admin_client_):
    used = Price.objects.create(
        product="link", module="principal", monthly=4990, valid_from=dt.date(2026, 3, 18)
    )
    change = reverse("admin:clients_price_change", args=[used.pk])

    response = admin_client_.post(
        change,
        {"product": "link", "module": "principal", "monthly": "1,00", "valid_from": "20/03/2026"},
    )
    deleted = admin_client_.post(
        reverse("admin:clients_price_delete", args=[used.pk]), {"post": "yes"}
    )

    assert response.status_code == 403 and deleted.status_code == 403
    assert Price.objects.get().monthly == 4990
    assert admin_client_.get(PRICES).context["action_form"] is None  # no bulk delete


def test_a_price_not_in_force_yet_may_be_corrected(admin_client_):
    planned = Price.objects.create(
        product="link", module="principal", monthly=4990, valid_from=dt.date(2026, 4, 1)
    )
    change = reverse("admin:clients_price_change", args=[planned.pk])

    page = admin_client_.get(change)
    response = admin_client_.post(
        change,
        {"product": "link", "module": "principal", "monthly": "54,90", "valid_from": "01/04/2026"},
    )

    assert 'value="49,90"' in page.text  # the centavos shown as reais
    assert response.status_code == 302
    assert Price.objects.get().monthly == 5490


# Adding credit -------------------------------------------------------------------------------


def test_adding_credit_writes_an_entry_and_the_balance(admin_client_, partner_a, staff_user):
    response = admin_client_.post(
        ADD_CREDIT, {"partner": partner_a.pk, "amount": "1.500,00", "description": "PIX 123"}
    )

    assert response.status_code == 302
    entry = CreditEntry.objects.get()
    assert (entry.kind, entry.amount, entry.balance_after) == (EntryKind.CREDIT, 150000, 150000)
    assert (entry.description, entry.actor) == ("PIX 123", staff_user)
    assert balance(partner_a) == 150000
    followed = admin_client_.get(response.url)
    assert "R$ 1.500,00 adicionados a" in followed.text and "saldo R$ 1.500,00" in followed.text


def test_credit_without_a_description_gets_the_default_one(admin_client_, partner_a):
    admin_client_.post(ADD_CREDIT, {"partner": partner_a.pk, "amount": "10"})
    assert CreditEntry.objects.get().description == "Crédito adicionado"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("0", "Informe um valor maior que zero."),
        ("0,00", "Informe um valor maior que zero."),
        ("-10,00", "não pode ser negativo"),
        ("10,005", "no máximo 2 casas decimais"),
        ("", "Informe o valor em reais"),
        ("100000000,01", "no máximo R$ 100.000.000,00"),
    ],
)
def test_bad_credit_gets_a_portuguese_message_and_changes_nothing(
    admin_client_, partner_a, amount, message
):
    response = admin_client_.post(ADD_CREDIT, {"partner": partner_a.pk, "amount": amount})

    assert response.status_code == 200
    assert message in response.text
    assert not CreditEntry.objects.exists() and not CreditAccount.objects.exists()


def test_the_form_opens_for_the_partner_of_the_row(admin_client_, partner_a):
    credit_add(partner=partner_a, amount=100, by=None)
    listing = admin_client_.get(reverse("admin:clients_creditaccount_changelist"))
    assert f"{ADD_CREDIT}?partner={partner_a.pk}" in listing.text
    assert "R$ 1,00" in listing.text
    page = admin_client_.get(ADD_CREDIT, {"partner": partner_a.pk})
    assert page.context["form"]["partner"].value() == str(partner_a.pk)


def test_the_balance_is_shown_only(admin_client_, partner_a):
    credit_add(partner=partner_a, amount=100, by=None)
    change = reverse("admin:clients_creditaccount_change", args=[partner_a.pk])
    response = admin_client_.post(change, {"balance": "99999"})
    assert response.status_code == 403
    assert balance(partner_a) == 100


def test_staff_without_the_ledger_permission_cannot_add_credit(client, partner_a):
    clerk = get_user_model().objects.create_user("clerk", password=PASSWORD, is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_creditaccount"))
    sign_in_staff(client, clerk)

    response = client.post(ADD_CREDIT, {"partner": partner_a.pk, "amount": "10"})

    assert response.status_code == 403
    assert not CreditEntry.objects.exists()


def test_partner_users_cannot_reach_the_money_admin(client_a, partner_a):
    for url in (ADD_CREDIT, ENTRIES, PRICES):
        response = client_a.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url


# The extrato and reversals -------------------------------------------------------------------


def _renewed(partner, make_client_in, staff_user, name="Loja"):
    """A Renovação manual client renewed at R$ 49,90 (the partner had R$ 100,00)."""
    Price.objects.get_or_create(
        product=Product.NAVI,
        module=Module.MAIN,
        valid_from=dt.date(2026, 1, 1),
        defaults={"monthly": 4990},
    )
    shop = make_client_in(partner, Status.EXPIRED, name=name, renewal=Renewal.MANUAL)
    client_renew(client=shop, by=staff_user)
    return shop


def test_the_extrato_is_read_only_and_filters_and_searches(
    admin_client_, partner_a, partner_b, make_client_in, staff_user
):
    credit_add(partner=partner_a, amount=10000, by=staff_user)
    credit_add(partner=partner_b, amount=500, by=staff_user)
    _renewed(partner_a, make_client_in, staff_user, name="Padaria Estrela")

    def listed(**query):
        return sorted(e.amount for e in admin_client_.get(ENTRIES, query).context["cl"].result_list)

    assert listed() == [-4990, 500, 10000]
    assert listed(partner__id__exact=partner_a.pk) == [-4990, 10000]
    assert listed(kind__exact=EntryKind.RENEWAL) == [-4990]
    assert listed(q="padaria estrela") == [-4990]
    assert listed(
        **{"at__gte": "2026-03-18 00:00:00-03:00", "at__lt": "2026-03-19 00:00:00-03:00"}
    ) == [-4990, 500, 10000]
    assert admin_client_.get(reverse("admin:clients_creditentry_add")).status_code == 403
    entry = CreditEntry.objects.get(amount=500)
    change = reverse("admin:clients_creditentry_change", args=[entry.pk])
    assert admin_client_.post(change, {"amount": "1"}).status_code == 403
    delete = reverse("admin:clients_creditentry_delete", args=[entry.pk])
    assert admin_client_.post(delete, {"post": "yes"}).status_code == 403
    assert CreditEntry.objects.count() == 3


def _reverse(admin_client_, entries, reason="Cobrança em duplicidade"):
    data = {"action": "reverse_entries", "_selected_action": [e.pk for e in entries]}
    if reason is not None:
        data.update(apply="yes", reason=reason)
    return admin_client_.post(ENTRIES, data, follow=True)


def test_reversing_first_asks_for_the_reason(admin_client_, partner_a, staff_user):
    entry = credit_add(partner=partner_a, amount=10000, by=staff_user)
    page = _reverse(admin_client_, [entry], reason=None)
    assert "Motivo do estorno" in page.text and "R$ 100,00" in page.text
    empty = _reverse(admin_client_, [entry], reason="")
    assert "Informe o motivo do estorno." in empty.text
    assert CreditEntry.objects.count() == 1


def test_reversing_a_renewal_gives_the_charge_back(
    admin_client_, partner_a, make_client_in, staff_user
):
    credit_add(partner=partner_a, amount=10000, by=staff_user)
    shop = _renewed(partner_a, make_client_in, staff_user)
    charge = CreditEntry.objects.get(kind=EntryKind.RENEWAL)

    response = _reverse(admin_client_, [charge])

    assert "1 lançamento(s) estornado(s)." in response.text
    reversal = CreditEntry.objects.get(kind=EntryKind.REVERSAL)
    assert (reversal.amount, reversal.reverses, reversal.client) == (4990, charge, shop)
    assert reversal.description == "Estorno: Cobrança em duplicidade"
    assert balance(partner_a) == 10000


def test_refused_reversals_are_shown_and_change_nothing(
    admin_client_, partner_a, make_client_in, staff_user
):
    credit = credit_add(partner=partner_a, amount=5000, by=staff_user)
    _renewed(partner_a, make_client_in, staff_user)  # R$ 49,90 spent: R$ 0,10 left
    charge = CreditEntry.objects.get(kind=EntryKind.RENEWAL)
    _reverse(admin_client_, [charge])
    reversal = CreditEntry.objects.get(kind=EntryKind.REVERSAL)
    before = CreditEntry.objects.count(), balance(partner_a)

    again = _reverse(admin_client_, [charge])
    of_reversal = _reverse(admin_client_, [reversal])
    _renewed(partner_a, make_client_in, staff_user, name="Outra")  # R$ 0,10 left again
    more = CreditEntry.objects.count(), balance(partner_a)
    spent = _reverse(admin_client_, [credit])

    assert "Este lançamento já foi estornado." in again.text
    assert "Um estorno não pode ser estornado." in of_reversal.text
    assert "Crédito insuficiente" in spent.text
    assert "estornado(s)." not in again.text + of_reversal.text + spent.text
    assert before == (3, 5000) and more == (4, 10)
    assert (CreditEntry.objects.count(), balance(partner_a)) == more


# Gestão de cobranças: the charge paid --------------------------------------------------------


def _mark_paid(admin_client_, clients):
    data = {"action": "billing_paid", "_selected_action": [c.pk for c in clients]}
    return admin_client_.post(CLIENTS, data, follow=True)


@pytest.mark.parametrize("status", [Status.ACTIVE, Status.EXPIRED])
def test_a_paid_charge_renews_a_billing_client_without_debiting_the_partner(
    admin_client_, partner_a, make_client_in, staff_user, status
):
    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=4990, valid_from=dt.date(2026, 1, 1)
    )
    credit_add(partner=partner_a, amount=10000, by=staff_user)
    shop = make_client_in(partner_a, status, renewal=Renewal.BILLING)
    old = shop.expires_on

    response = _mark_paid(admin_client_, [shop])

    assert "1 cliente(s) renovado(s) pela cobrança paga." in response.text
    shop.refresh_from_db()
    assert shop.expires_on == renewed_until(old)
    event = ClientEvent.objects.get(client=shop)
    assert (event.action, event.note, event.actor) == (
        "renovar",
        "Cobrança paga (Gestão de cobranças)",
        staff_user,
    )
    assert event.after["expires_on"] == shop.expires_on.isoformat()
    assert balance(partner_a) == 10000
    assert CreditEntry.objects.count() == 1  # only the credit added


@pytest.mark.parametrize(
    ("status", "renewal", "reason"),
    [
        (Status.ACTIVE, Renewal.MANUAL, "é de Renovação manual"),
        (Status.INACTIVE, Renewal.BILLING, "não renova um cliente Inativo: ele venceu antes"),
        (Status.HIDDEN, Renewal.BILLING, "não renova um cliente Oculto: ele está oculto"),
        (Status.PENDING, Renewal.BILLING, "não renova um cliente Pendente: ele aguarda"),
        (Status.SUSPENDED, Renewal.BILLING, "não renova um cliente Suspenso"),
    ],
)
def test_a_paid_charge_is_refused_where_it_cannot_renew(
    admin_client_, partner_a, make_client_in, status, renewal, reason
):
    shop = make_client_in(partner_a, status, renewal=renewal)

    response = _mark_paid(admin_client_, [shop])

    assert reason in response.text
    assert "renovado(s)" not in response.text
    before = shop.expires_on, shop.version
    shop.refresh_from_db()
    assert (shop.expires_on, shop.version) == before
    assert not ClientEvent.objects.exists()


def test_a_mixed_selection_renews_only_the_billing_clients(
    admin_client_, partner_a, make_client_in
):
    billing = make_client_in(partner_a, Status.ACTIVE, renewal=Renewal.BILLING, name="Cobrança")
    manual = make_client_in(partner_a, Status.ACTIVE, renewal=Renewal.MANUAL, name="Manual")

    response = _mark_paid(admin_client_, [billing, manual])

    assert "1 cliente(s) renovado(s) pela cobrança paga." in response.text
    assert "Manual" in response.text and "Renovação manual" in response.text
    assert list(ClientEvent.objects.values_list("client__name", flat=True)) == ["Cobrança"]


def test_a_paid_charge_is_not_marked_twice(admin_client_, partner_a, make_client_in):
    # The same payment marked again: the client is already paid more than a month ahead.
    shop = make_client_in(partner_a, Status.ACTIVE, renewal=Renewal.BILLING)
    first = _mark_paid(admin_client_, [shop])
    shop.refresh_from_db()
    paid_until = shop.expires_on

    again = _mark_paid(admin_client_, [shop])

    assert "1 cliente(s) renovado(s) pela cobrança paga." in first.text
    assert "já está pago até" in again.text and "renovado(s)" not in again.text
    shop.refresh_from_db()
    assert shop.expires_on == paid_until
    assert ClientEvent.objects.filter(client=shop).count() == 1


def test_the_admin_renews_clients_of_two_partners_each_from_its_own_credit(
    admin_client_, partner_a, partner_b, make_client_in, staff_user
):
    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=4990, valid_from=dt.date(2026, 1, 1)
    )
    credit_add(partner=partner_a, amount=10000, by=staff_user)
    credit_add(partner=partner_b, amount=4990, by=staff_user)
    shops = [make_client_in(p, Status.ACTIVE) for p in (partner_a, partner_b)]

    response = admin_client_.post(
        CLIENTS, {"action": "renew", "_selected_action": [s.pk for s in shops]}, follow=True
    )

    assert response.status_code == 200
    assert "2 cliente(s) renovado(s)." in response.text
    assert (balance(partner_a), balance(partner_b)) == (10000 - 4990, 0)
    for shop in shops:
        entry = CreditEntry.objects.get(kind=EntryKind.RENEWAL, client=shop)
        assert entry.partner_id == shop.partner_id
