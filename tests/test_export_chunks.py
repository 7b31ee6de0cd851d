"""Exports read in chunks: a server-side cursor, or keyset chunks where server-side cursors
are off (DATABASE_POOLER=transaction). Both give the same rows in the same order."""

import datetime

import pytest
from django.db import connection

from clients.domain.status import with_status
from clients.models import Client
from clients.transfer.exporting import read_chunks

ORDERS = [
    ("pk",),
    ("-pk",),
    ("name", "pk"),
    ("-name", "-pk"),
    ("expires_on", "pk"),
    ("product", "name", "pk"),
    ("status_value", "pk"),
    ("-status_value", "-pk"),
]


@pytest.fixture
def clients(make_client, make_client_in, partner_a):
    today = datetime.date.today()
    for number in range(23):
        # Repeated names and dates, so that the order's later keys decide.
        make_client(
            partner_a,
            name=f"Cliente {number % 4}",
            expires_on=today + datetime.timedelta(days=number % 3),
        )
    for status in ("suspenso", "inativo", "pendente", "oculto"):
        make_client_in(partner_a, status)
    return with_status(Client.objects.filter(partner=partner_a))


def read_in_chunks(queryset, fields, chunk_size):
    """Every row read_chunks gives, in order, and the chunks' sizes."""
    chunks = list(read_chunks(queryset, fields, chunk_size))
    return [row for chunk in chunks for row in chunk], [len(chunk) for chunk in chunks]


@pytest.fixture
def no_server_side_cursors(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)


@pytest.mark.parametrize("order", ORDERS)
def test_keyset_chunks_read_every_row_once_in_order(
    clients, order, no_server_side_cursors, django_assert_num_queries
):
    fields = ["pk", "name"]
    expected = list(clients.order_by(*order).values_list(*fields))

    # 27 rows in chunks of 5: 6 queries, the last one short.
    with django_assert_num_queries(6):
        read, sizes = read_in_chunks(clients.order_by(*order), fields, chunk_size=5)

    assert read == expected  # only the fields asked for, not the order's keys
    assert sizes == [5, 5, 5, 5, 5, 2]


def test_keyset_chunks_are_taken_when_server_side_cursors_are_off(
    clients, no_server_side_cursors, django_assert_num_queries
):
    with django_assert_num_queries(3):
        read, _ = read_in_chunks(clients.order_by("pk"), ["pk"], chunk_size=10)
    assert len(read) == 27


@pytest.mark.parametrize("order", ORDERS[:3])
def test_with_server_side_cursors_one_query_streams_it_all(
    clients, order, django_assert_num_queries
):
    fields = ["pk", "name"]
    expected = list(clients.order_by(*order).values_list(*fields))
    with django_assert_num_queries(1):
        read, sizes = read_in_chunks(clients.order_by(*order), fields, chunk_size=5)
    assert read == expected
    assert sizes == [5, 5, 5, 5, 5, 2]
