"""The status rule: the Python function and the SQL predicates agree on every row."""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clients.domain.status import Status, client_status, status_counts, status_q, with_status
from clients.models import Client

SP = zoneinfo.ZoneInfo("America/Sao_Paulo")
FLAG = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def sp(y, m, d, hh=12, mm=0, ss=0):
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=SP)


# (case, now, facts, expected)
CASES = [
    # Month end: the last day of January, then the first of February.
    ("jan31-due-today", sp(2026, 1, 31), {"expires_on": dt.date(2026, 1, 31)}, Status.ACTIVE),
    ("jan31-due-yesterday", sp(2026, 1, 31), {"expires_on": dt.date(2026, 1, 30)}, Status.EXPIRED),
    ("jan31-due-first", sp(2026, 1, 31), {"expires_on": dt.date(2026, 1, 1)}, Status.EXPIRED),
    ("jan31-due-dec", sp(2026, 1, 31), {"expires_on": dt.date(2025, 12, 31)}, Status.INACTIVE),
    ("feb1-due-jan31", sp(2026, 2, 1), {"expires_on": dt.date(2026, 1, 31)}, Status.INACTIVE),
    ("feb1-due-today", sp(2026, 2, 1), {"expires_on": dt.date(2026, 2, 1)}, Status.ACTIVE),
    ("feb1-due-later", sp(2026, 2, 1), {"expires_on": dt.date(2026, 3, 1)}, Status.ACTIVE),
    # Year end.
    ("dec31-due-dec30", sp(2026, 12, 31), {"expires_on": dt.date(2026, 12, 30)}, Status.EXPIRED),
    ("dec31-due-nov30", sp(2026, 12, 31), {"expires_on": dt.date(2026, 11, 30)}, Status.INACTIVE),
    ("dec31-due-jan1", sp(2026, 12, 31), {"expires_on": dt.date(2027, 1, 1)}, Status.ACTIVE),
    ("jan1-due-dec31", sp(2027, 1, 1), {"expires_on": dt.date(2026, 12, 31)}, Status.INACTIVE),
    ("jan1-due-today", sp(2027, 1, 1), {"expires_on": dt.date(2027, 1, 1)}, Status.ACTIVE),
    # São Paulo midnight: at 23:59 local it is already the next day in UTC.
    (
        "sp-2359-due-today",
        sp(2026, 2, 28, 23, 59, 59),
        {"expires_on": dt.date(2026, 2, 28)},
        Status.ACTIVE,
    ),
    (
        "sp-2359-due-yesterday",
        sp(2026, 2, 28, 23, 59, 59),
        {"expires_on": dt.date(2026, 2, 27)},
        Status.EXPIRED,
    ),
    (
        "sp-0000-due-feb28",
        sp(2026, 3, 1, 0, 0, 0),
        {"expires_on": dt.date(2026, 2, 28)},
        Status.INACTIVE,
    ),
    (
        "sp-0000-due-today",
        sp(2026, 3, 1, 0, 0, 0),
        {"expires_on": dt.date(2026, 3, 1)},
        Status.ACTIVE,
    ),
    # Leap day.
    ("leap-feb29", sp(2028, 2, 29), {"expires_on": dt.date(2028, 2, 28)}, Status.EXPIRED),
    # Flags, and which rule wins.
    (
        "suspended",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 6, 1), "suspended_at": FLAG},
        Status.SUSPENDED,
    ),
    (
        "suspended-due-today",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 5, 10), "suspended_at": FLAG},
        Status.SUSPENDED,
    ),
    (
        "suspended-but-expired",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 5, 9), "suspended_at": FLAG},
        Status.EXPIRED,
    ),
    (
        "suspended-but-inactive",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 4, 30), "suspended_at": FLAG},
        Status.INACTIVE,
    ),
    (
        "pending-active",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 6, 1), "pending_since": FLAG},
        Status.PENDING,
    ),
    (
        "pending-beats-inactive",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 1, 1), "pending_since": FLAG},
        Status.PENDING,
    ),
    (
        "pending-beats-suspended",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 6, 1), "pending_since": FLAG, "suspended_at": FLAG},
        Status.PENDING,
    ),
    (
        "hidden",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 1, 1), "hidden_at": FLAG},
        Status.HIDDEN,
    ),
    (
        "hidden-beats-pending",
        sp(2026, 5, 10),
        {"expires_on": dt.date(2026, 1, 1), "hidden_at": FLAG, "pending_since": FLAG},
        Status.HIDDEN,
    ),
]


def sql_status(client_pk):
    """The status of one row as the SQL forms see it: predicates, annotation and counts."""
    by_predicate = [s for s in Status if Client.objects.filter(status_q(s), pk=client_pk).exists()]
    annotated = with_status(Client.objects.filter(pk=client_pk)).get().status_value
    counted = [s for s, n in status_counts(Client.objects.filter(pk=client_pk)).items() if n]
    return by_predicate, annotated, counted


@pytest.mark.parametrize(
    ("now", "facts", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_python_and_sql_forms_agree(partner_a, make_client, now, facts, expected):
    created = make_client(partner_a, **facts)
    with time_machine.travel(now, tick=False):
        assert client_status(Client.objects.get(pk=created.pk)) == expected
        by_predicate, annotated, counted = sql_status(created.pk)
    assert by_predicate == [expected]
    assert annotated == expected.value
    assert counted == [expected]


def test_today_is_taken_in_sao_paulo_not_utc():
    # 02:30 UTC on 1 March is still 28 February in São Paulo.
    with time_machine.travel(dt.datetime(2026, 3, 1, 2, 30, tzinfo=dt.UTC), tick=False):
        assert timezone.localdate() == dt.date(2026, 2, 28)


FLAGS = st.one_of(st.none(), st.just(FLAG))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    now=st.datetimes(
        min_value=dt.datetime(2024, 1, 1),
        max_value=dt.datetime(2030, 12, 31),
        timezones=st.just(SP),
    ),
    offset=st.integers(min_value=-800, max_value=400),
    suspended=FLAGS,
    pending=FLAGS,
    hidden=FLAGS,
)
def test_both_forms_agree_for_any_facts_and_instant(
    partner_a, make_client, now, offset, suspended, pending, hidden
):
    expires_on = now.date() + dt.timedelta(days=offset)
    created = make_client(
        partner_a,
        expires_on=expires_on,
        suspended_at=suspended,
        pending_since=pending,
        hidden_at=hidden,
    )
    try:
        with time_machine.travel(now, tick=False):
            expected = client_status(created)
            by_predicate, annotated, counted = sql_status(created.pk)
        assert by_predicate == [expected]
        assert annotated == expected.value
        assert counted == [expected]
    finally:
        created.delete()
