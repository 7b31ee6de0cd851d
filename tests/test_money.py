"""The money rules as pure functions (clients.domain.money): centavos formatted at the edge,
proportional charges, the renewal period's days, and the price in force on a day."""

import datetime

import pytest

from clients.domain.money import PriceList, days_left, format_brl, period_of, prorate
from clients.models import Module, Price, Product

D = datetime.date


@pytest.mark.parametrize(
    ("centavos", "text"),
    [
        (0, "R$ 0,00"),
        (5, "R$ 0,05"),
        (150, "R$ 1,50"),
        (123456, "R$ 1.234,56"),
        (100_000_000_00, "R$ 100.000.000,00"),
        (-500, "-R$ 5,00"),
        (-123456, "-R$ 1.234,56"),
    ],
)
def test_format_brl_writes_centavos_as_reais(centavos, text):
    assert format_brl(centavos) == text


@pytest.mark.parametrize(
    ("monthly", "left", "period", "amount"),
    [
        (5000, 10, 30, 1667),  # 1666,67 rounds up
        (10000, 10, 30, 3333),  # 3333,33 rounds down
        (100, 1, 8, 13),  # 12,5: half rounds up
        (100, 3, 8, 38),  # 37,5: half rounds up
        (5000, 30, 30, 5000),  # the whole period: the monthly price
        (5000, 45, 30, 7500),  # renewed ahead: every day through the vencimento
        (5000, 0, 30, 0),  # nothing left
        (5000, 10, 0, 0),  # no period
        (0, 10, 30, 0),  # no price
    ],
)
def test_prorate_charges_the_days_left_rounded_half_up(monthly, left, period, amount):
    assert prorate(monthly, left, period) == amount
    assert isinstance(prorate(monthly, left, period), int)


@pytest.mark.parametrize(
    ("expires_on", "first", "length"),
    [
        (D(2026, 5, 15), D(2026, 4, 16), 30),
        (D(2026, 3, 31), D(2026, 3, 1), 31),  # 31 Mar − 1 month = 28 Feb
        (D(2026, 3, 28), D(2026, 3, 1), 28),
        (D(2028, 3, 28), D(2028, 2, 29), 29),  # leap year
        (D(2026, 2, 28), D(2026, 1, 29), 31),
        (D(2028, 2, 29), D(2028, 1, 30), 31),
        (D(2027, 1, 10), D(2026, 12, 11), 31),  # across the year's end
    ],
)
def test_the_period_is_the_calendar_month_ending_on_the_vencimento(expires_on, first, length):
    assert period_of(expires_on) == (first, expires_on)
    assert days_left(expires_on, first) == (length, length)


@pytest.mark.parametrize(
    ("expires_on", "day", "left", "period"),
    [
        (D(2026, 5, 15), D(2026, 5, 6), 10, 30),  # 6..15 May
        (D(2026, 5, 15), D(2026, 5, 15), 1, 30),  # the vencimento itself still counts
        (D(2026, 5, 15), D(2026, 5, 16), 0, 30),  # after it: nothing left
        (D(2026, 5, 15), D(2026, 4, 1), 45, 30),  # renewed ahead: every day through it
        (D(2026, 2, 28), D(2026, 2, 20), 9, 31),  # 20..28 Feb, common year
        (D(2028, 2, 29), D(2028, 2, 20), 10, 31),  # 20..29 Feb, leap year
        (D(2026, 3, 1), D(2026, 2, 28), 2, 28),  # across the month's end: 28 Feb, 1 Mar
        (D(2027, 1, 2), D(2026, 12, 31), 3, 31),  # across the year's end
    ],
)
def test_days_left_count_through_the_vencimento(expires_on, day, left, period):
    assert days_left(expires_on, day) == (left, period)


@pytest.mark.django_db
def test_the_price_list_takes_the_price_in_force_on_the_day():
    Price.objects.create(
        product=Product.LINK, module=Module.MAIN, monthly=5000, valid_from=D(2026, 1, 1)
    )
    Price.objects.create(
        product=Product.LINK, module=Module.MAIN, monthly=6000, valid_from=D(2026, 4, 1)
    )
    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=3000, valid_from=D(2026, 1, 1)
    )
    assert PriceList(D(2025, 12, 31)).monthly(Product.LINK, Module.MAIN) == 0  # none yet
    assert PriceList(D(2026, 3, 31)).monthly(Product.LINK, Module.MAIN) == 5000
    assert PriceList(D(2026, 4, 1)).monthly(Product.LINK, Module.MAIN) == 6000
    assert PriceList(D(2026, 4, 1)).monthly(Product.NAVI, Module.MAIN) == 3000
    # A module without a price costs nothing.
    assert PriceList(D(2026, 4, 1)).monthly(Product.LINK, Module.CLOUD) == 0


@pytest.mark.django_db
def test_the_price_list_is_one_query(django_assert_num_queries):
    for month in range(1, 13):
        Price.objects.create(
            product=Product.LINK,
            module=Module.MAIN,
            monthly=100 * month,
            valid_from=D(2026, month, 1),
        )
    with django_assert_num_queries(1):
        prices = PriceList(D(2026, 7, 15))
    assert prices.monthly(Product.LINK, Module.MAIN) == 700
