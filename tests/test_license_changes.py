"""License counts: increases apply at once, reductions on the first day of next month."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from clients.domain.modules import validate_quantities
from clients.domain.quantities import (
    describe_license,
    license_snapshot,
    set_quantities,
    wanted_quantity,
)
from clients.models import License, Module

TODAY = datetime.date(2026, 3, 18)
APRIL = datetime.date(2026, 4, 1)


@pytest.fixture
def shop(partner_a, make_client):
    return make_client(partner_a, licenses=3)


def main(shop) -> License:
    return shop.licenses.get(module=Module.MAIN)


def test_an_increase_applies_at_once(shop):
    set_quantities(shop, {Module.MAIN: 5}, TODAY)
    assert main(shop).current_quantity(TODAY) == 5
    assert main(shop).scheduled_from is None


def test_a_reduction_applies_on_the_first_of_next_month(shop):
    set_quantities(shop, {Module.MAIN: 2}, TODAY)
    license = main(shop)
    assert license.current_quantity(TODAY) == 3
    assert license.current_quantity(datetime.date(2026, 3, 31)) == 3
    assert license.current_quantity(APRIL) == 2
    assert describe_license(license, TODAY) == "3 licenças; 2 a partir de 01/04/2026"
    assert describe_license(license, APRIL) == "2 licenças"


def test_a_reduction_in_december_applies_in_january(shop):
    set_quantities(shop, {Module.MAIN: 1}, datetime.date(2026, 12, 31))
    assert main(shop).scheduled_from == datetime.date(2027, 1, 1)


def test_asking_for_the_count_in_force_cancels_a_pending_reduction(shop):
    set_quantities(shop, {Module.MAIN: 2}, TODAY)
    set_quantities(shop, {Module.MAIN: 3}, TODAY)
    license = main(shop)
    assert (license.quantity, license.scheduled_quantity, license.scheduled_from) == (3, None, None)


def test_an_increase_replaces_a_pending_reduction(shop):
    set_quantities(shop, {Module.MAIN: 2}, TODAY)
    set_quantities(shop, {Module.MAIN: 4}, TODAY)
    assert (main(shop).current_quantity(TODAY), main(shop).scheduled_quantity) == (4, None)


def test_a_reduction_that_took_effect_is_the_base_of_the_next_change(shop):
    set_quantities(shop, {Module.MAIN: 2}, TODAY)
    set_quantities(shop, {Module.MAIN: 1}, datetime.date(2026, 4, 10))
    license = main(shop)
    assert license.current_quantity(datetime.date(2026, 4, 10)) == 2
    assert (license.scheduled_quantity, license.scheduled_from) == (1, datetime.date(2026, 5, 1))


def test_the_form_starts_from_what_the_partner_asked_for(shop):
    set_quantities(shop, {Module.MAIN: 2}, TODAY)
    assert wanted_quantity(main(shop), TODAY) == 2
    assert wanted_quantity(main(shop), APRIL) == 2


def test_switching_a_module_on_is_immediate_and_off_is_scheduled(shop):
    set_quantities(shop, {Module.CLOUD: 1}, TODAY)
    assert license_snapshot(shop, TODAY)["cloud"] == {"quantity": 1}
    set_quantities(shop, {Module.CLOUD: 0}, TODAY)
    cloud = shop.licenses.get(module=Module.CLOUD)
    assert describe_license(cloud, TODAY) == "contratado; removido a partir de 01/04/2026"
    assert license_snapshot(shop, APRIL) == {"principal": {"quantity": 3}}


@pytest.mark.parametrize(
    ("product", "quantities", "field", "message"),
    [
        ("link", {"principal": 0}, "principal", "O cliente precisa de pelo menos 1 licença."),
        ("link", {"principal": 1, "tef": -1}, "tef", "Informe um número maior ou igual a zero."),
        (
            "link",
            {"principal": 1, "cloud": 2},
            "cloud",
            "Este módulo é contratado ou não (0 ou 1).",
        ),
        (
            "link",
            {"principal": 1, "link_movel": 1},
            "link_movel",
            "Link Móvel requer o módulo Cloud.",
        ),
        (
            "navi",
            {"principal": 1, "link_garcom": 1},
            "link_garcom",
            "Módulo disponível só para clientes Link.",
        ),
    ],
)
def test_the_licensing_rules(product, quantities, field, message):
    with pytest.raises(ValidationError) as refused:
        validate_quantities(product, quantities)
    assert refused.value.message_dict == {field: [message]}


def test_a_valid_combination_passes():
    validate_quantities("link", {"principal": 2, "cloud": 1, "link_movel": 3, "tef": 1})
    validate_quantities("navi", {"principal": 1, "cloud": 1, "link_movel": 0})


@pytest.mark.parametrize(
    ("scheduled_from", "day"),
    [
        (None, TODAY),
        (APRIL, TODAY),  # a reduction not in force yet
        (APRIL, APRIL),  # in force from its day
        (APRIL, APRIL + datetime.timedelta(days=40)),
    ],
)
def test_the_sql_count_in_force_agrees_with_current_quantity(shop, scheduled_from, day):
    License.objects.filter(client=shop).update(
        quantity=3, scheduled_quantity=1 if scheduled_from else None, scheduled_from=scheduled_from
    )
    License.objects.create(client=shop, module=Module.TEF, quantity=1)
    in_sql = License.objects.filter(client=shop).annotate(
        in_force=License.quantity_in_force("", day)
    )
    assert {lic.module: lic.in_force for lic in in_sql} == {
        lic.module: lic.current_quantity(day) for lic in in_sql
    }
