"""Migration clients/0003: the Clientes screen's indexes exist on PostgreSQL (and only there)."""

import pytest
from django.db import connection

from clients.models import Client


def index_names():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Client._meta.db_table)
    return set(constraints)


@pytest.mark.postgres
def test_postgresql_has_the_trigram_and_the_covering_index(db):
    assert {"client_upper_name_trgm", "client_partner_name_cover"} <= index_names()


@pytest.mark.postgres
def test_the_name_search_can_use_the_trigram_index(db):
    queryset = Client.objects.filter(name__icontains="estrela")
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = queryset.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "client_upper_name_trgm" in plan


def test_other_databases_get_neither(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has them")
    assert not {"client_upper_name_trgm", "client_partner_name_cover"} & index_names()
