"""Atividade at scale, on PostgreSQL: with 200,000 events of 20 partners, the page's queries
(its rows and its count) for the default view and each filter read the events through an
index — never a scan of the whole events table. The plans are PostgreSQL's own choices, after
ANALYZE, for the SQL the page really sends."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client, ClientEvent, Product
from partners.models import Partner, Role

pytestmark = pytest.mark.postgres

EVENTS, PARTNERS, CLIENTS_EACH = 200_000, 20, 500


@pytest.fixture
def crowd(db, partner_a, make_member):
    """Partner A and 19 others, 500 clients each, 10,000 events each over a year; A's team
    made a tenth of A's."""
    admin = make_member(partner_a, "adm", role=Role.ADMIN)
    others = Partner.objects.bulk_create(
        Partner(code=f"p{n}", name=f"Parceiro {n}") for n in range(PARTNERS - 1)
    )
    partners = [partner_a, *others]
    Client.objects.bulk_create(
        Client(
            partner=partner,
            name=f"Cliente {n} {'Mercado' if n % 50 == 0 else 'Loja'}",
            cpf_cnpj=f"{partner.pk:04d}{n:07d}",
            uf="SP",
            city="São Paulo",
            product=Product.NAVI,
            expires_on="2030-01-01",
        )
        for partner in partners
        for n in range(CLIENTS_EACH)
    )
    first = Client.objects.order_by("pk").values_list("pk", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {ClientEvent._meta.db_table}
                (partner_id, client_id, origin, actor_id, actor_label, action, at,
                 before, after, note)
            SELECT c.partner_id, c.id,
                   CASE WHEN g %% 10 = 0 THEN 'portal' ELSE 'importacao' END,
                   CASE WHEN g %% 10 = 0 AND c.partner_id = %s THEN %s END, '',
                   CASE WHEN g %% 1000 = 7 THEN 'rejeitar'
                        ELSE (ARRAY['renovar', 'suspender', 'editar', 'cadastrar'])[1 + g %% 4]
                   END,
                   now() - (g || ' minutes')::interval, '{{}}', '{{}}', ''
            FROM generate_series(1, %s) AS g
            JOIN {Client._meta.db_table} AS c ON c.id = %s + g %% %s
            """,
            [partner_a.pk, admin.pk, EVENTS, first, PARTNERS * CLIENTS_EACH],
        )
        cursor.execute(f"ANALYZE {ClientEvent._meta.db_table}")
        cursor.execute(f"ANALYZE {Client._meta.db_table}")
    return {"admin": admin, "client": Client.objects.filter(partner=partner_a).first()}


def event_plans(client, query) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("clients:activity"), query).status_code == 200
    plans = []
    with connection.cursor() as cursor:
        for item in captured.captured_queries:
            if ClientEvent._meta.db_table in item["sql"]:
                cursor.execute("EXPLAIN " + item["sql"])
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
    return plans


def test_the_default_view_and_each_filter_read_events_through_an_index(client, crowd):
    client.force_login(crowd["admin"])
    target = crowd["client"]
    queries = {
        "padrão": ({}, "clientevent_partner_at"),
        "membro": ({"membro": crowd["admin"].pk}, "clientevent_actor"),
        # The clients named (here "1" also names a third of them) joined to their events:
        # by each client's index, or by the partner's, as PostgreSQL finds cheaper.
        "cliente (ID)": ({"cliente": target.pk}, "clientevent_"),
        "cliente (nome)": ({"cliente": "Mercado"}, "clientevent_"),
        "ação rara": ({"acao": "rejeitar"}, "clientevent_partner_action"),
        "ação comum": ({"acao": "renovar"}, "clientevent_partner"),
        "período": ({"de": "2020-01-01", "ate": "2099-12-31"}, "clientevent_partner_at"),
    }
    for name, (query, index) in queries.items():
        plans = event_plans(client, query)
        assert len(plans) == 2, name  # the count and the page's rows
        for plan in plans:
            assert f"Seq Scan on {ClientEvent._meta.db_table}" not in plan, (name, plan)
            assert index in plan, (name, plan)
