"""Calendar-month arithmetic (Reativar, Renovar, + Novo cliente, license schedules)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clients.domain.dates import add_months, next_month_start


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 15), 1, dt.date(2026, 2, 15)),
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 31)),
        (dt.date(2026, 11, 30), 3, dt.date(2027, 2, 28)),
        (dt.date(2026, 2, 28), 1, dt.date(2026, 3, 28)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(9000, 12, 31)))
def test_one_month_later_keeps_the_day_or_ends_the_shorter_month(day):
    later = add_months(day)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == 1
    month_end = next_month_start(later) - dt.timedelta(days=1)
    assert later.day == day.day or (later.day < day.day and later == month_end)


def test_next_month_start():
    assert next_month_start(dt.date(2026, 3, 18)) == dt.date(2026, 4, 1)
    assert next_month_start(dt.date(2026, 12, 31)) == dt.date(2027, 1, 1)
