"""Migrations clients/0003, 0007, 0017 and 0018: the Clientes screen's indexes exist on
PostgreSQL (the trigram ones only there)."""

import pytest
from django.db import connection

from clients.models import Client


def index_names():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Client._meta.db_table)
    return set(constraints)


@pytest.mark.postgres
def test_postgresql_has_the_covering_index_and_one_trigram_index_of_the_names(db):
    # No second one on UPPER(name): the admin searches search_name as the portal does.
    names = index_names()
    assert "client_partner_name_cover" in names
    assert "client_upper_name_trgm" not in names


@pytest.mark.postgres
def test_the_admins_name_search_can_use_the_trigram_index(db):
    from clients.screen.filters import search_q

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            plan = Client.objects.filter(search_q("estrela")).explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "client_search_name_trgm" in plan


SEARCH_INDEXES = {"client_search_name_trgm", "client_cpf_cnpj_trgm"}


@pytest.mark.postgres
def test_the_accent_insensitive_search_can_use_its_trigram_indexes(db):
    from clients.screen.filters import search_q

    assert index_names() >= SEARCH_INDEXES
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            by_name = Client.objects.filter(search_q("açougue")).explain()
            by_document = Client.objects.filter(search_q("982.247")).explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "client_search_name_trgm" in by_name
    assert "client_cpf_cnpj_trgm" in by_document


def test_other_databases_get_no_trigram_index_and_the_names_in_a_plain_index(db):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL has them")
    assert not {"client_upper_name_trgm", *SEARCH_INDEXES} & index_names()
    # The cover is the model's index; elsewhere `include` is ignored.
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Client._meta.db_table)
    assert constraints["client_partner_name_cover"]["columns"] == ["partner_id", "name", "id"]


@pytest.mark.postgres
def test_the_partners_unused_codes_give_their_clients_from_the_index_alone(db, partner_a):
    # Início's "com código de registro não utilizado" (attention.unused_code_q)
    # reads the client ids of the partner's unused codes without visiting every partner's.
    from clients.domain.attention import unused_code_q

    query = Client.objects.filter(partner=partner_a).filter(unused_code_q(partner_a))
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET enable_bitmapscan = off")
        try:
            plan = query.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
            cursor.execute("RESET enable_bitmapscan")
    assert "Index Only Scan using regcode_partner_unconsumed" in plan
