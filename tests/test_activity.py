"""Atividade (/clientes/atividade/): every change through the write path, by whom, from where,
to which client, when, before and after; filters, paging, CSV; who sees what."""

import csv
import datetime
import io
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import ClientEvent, Origin
from clients.services import client_hide, client_suspend, client_unsuspend, clients_act
from clients.transfer.importing import import_clients
from partners.models import PartnerUser, Role

URL = reverse("clients:activity")
SAO_PAULO = zoneinfo.ZoneInfo("America/Sao_Paulo")


def shown(response) -> list[tuple[str, str]]:
    """(client name, action) of each row of the page."""
    rows = response.context["table"].page.object_list
    return [(row.record.client.name, row.record.action) for row in rows]


def exported(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


@pytest.fixture
def team(partner_a, make_member):
    return {
        "admin": make_member(partner_a, "adm", role=Role.ADMIN, first_name="Adriana"),
        "operador": make_member(partner_a, "ope", role=Role.OPERATOR, first_name="Otávio"),
        "consulta": make_member(partner_a, "con", role=Role.VIEWER),
    }


@pytest.fixture
def history(partner_a, team, make_client_in):
    """The Operador suspends the padaria; the Administrador suspends the mercado and then
    lifts it; nobody (the system) hides an old client."""
    padaria = make_client_in(partner_a, "ativo", name="Padaria Estrela")
    mercado = make_client_in(partner_a, "ativo", name="Mercado Sol")
    velho = make_client_in(partner_a, "inativo", name="=Loja Velha")
    client_suspend(client=padaria, by=team["operador"])
    client_suspend(client=mercado, by=team["admin"])
    client_unsuspend(client=mercado, by=team["admin"])
    client_hide(client=velho, by=None)
    return {"padaria": padaria, "mercado": mercado, "velho": velho}


def as_member(client, user):
    client.force_login(user)
    return client


def test_an_administrador_sees_every_change_newest_first(client, team, history):
    page = as_member(client, team["admin"]).get(URL)
    assert page.status_code == 200
    assert shown(page) == [
        ("=Loja Velha", "ocultar"),
        ("Mercado Sol", "cancelar-suspensao"),
        ("Mercado Sol", "suspender"),
        ("Padaria Estrela", "suspender"),
    ]
    html = page.text
    assert "Otávio" in html and "Adriana" in html and "Sistema" in html
    assert "Suspenso em:</span> — →" in html  # before and after
    assert 'id="id_membro"' in html


@pytest.mark.parametrize("role", ["operador", "consulta"])
def test_an_operador_or_a_consulta_sees_only_their_own(client, team, history, role):
    page = as_member(client, team[role]).get(URL)
    expected = [("Padaria Estrela", "suspender")] if role == "operador" else []
    assert shown(page) == expected
    assert 'id="id_membro"' not in page.text
    # Asking for a colleague's changes changes nothing.
    page = client.get(URL, {"membro": team["admin"].pk})
    assert shown(page) == expected
    assert [row[1] for row in exported(client.get(URL, {"_export": "csv"}))[1:]] == [
        name for name, _ in expected
    ]


def test_filters_by_member_client_action_and_period(client, team, history):
    as_member(client, team["admin"])
    assert shown(client.get(URL, {"membro": team["operador"].pk})) == [
        ("Padaria Estrela", "suspender")
    ]
    mercado = history["mercado"]
    for term in (str(mercado.pk), "mercado sol", mercado.cpf_cnpj, "MERCADO"):
        rows = shown(client.get(URL, {"cliente": term}))
        assert {name for name, _ in rows} == {"Mercado Sol"}, term
    assert shown(client.get(URL, {"acao": "suspender"})) == [
        ("Mercado Sol", "suspender"),
        ("Padaria Estrela", "suspender"),
    ]
    today = datetime.date.today()
    assert len(shown(client.get(URL, {"de": today, "ate": today}))) == 4
    assert shown(client.get(URL, {"ate": today - datetime.timedelta(days=1)})) == []
    assert shown(client.get(URL, {"de": today + datetime.timedelta(days=1)})) == []


def test_the_period_is_whole_local_days(client, team, partner_a, make_client_in):
    """An event at 23:30 in São Paulo (02:30 UTC the next day) belongs to its local day."""
    shop = make_client_in(partner_a, "ativo", name="Bar da Noite")
    late = datetime.datetime(2026, 3, 10, 23, 30, tzinfo=SAO_PAULO)
    with time_machine.travel(late, tick=False):
        client_suspend(client=shop, by=team["admin"])
    as_member(client, team["admin"])
    assert shown(client.get(URL, {"de": "2026-03-10", "ate": "2026-03-10"})) == [
        ("Bar da Noite", "suspender")
    ]
    assert shown(client.get(URL, {"de": "2026-03-11"})) == []


def test_bad_filters_are_explained_and_ignored(client, team, history):
    as_member(client, team["admin"])
    page = client.get(URL, {"de": "2026-05-10", "ate": "2026-05-01", "acao": "explodir"})
    assert "A data inicial é depois da final." in page.text
    assert "Faça uma escolha válida" in page.text
    assert len(shown(page)) == 4


def test_it_pages_by_fifty_with_the_same_queries_for_one_row_or_many(
    client, team, partner_a, make_client_in
):
    """Queries: the session, the user, the member (middleware), the members for the filter,
    the count, the page's rows with client and actor."""
    shop = make_client_in(partner_a, "ativo")
    as_member(client, team["admin"])
    client_suspend(client=shop, by=team["admin"])
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    shops = [make_client_in(partner_a, "ativo") for _ in range(60)]
    clients_act(
        clients=partner_a.clients.filter(pk__in=[s.pk for s in shops]),
        action="suspender",
        by=team["operador"],
    )
    with CaptureQueriesContext(connection) as many:
        page = client.get(URL)
    assert len(page.context["table"].page.object_list) == 50
    assert len(one) == len(many)
    assert len(shown(client.get(URL, {"page": 2}))) == 11


def test_the_csv_has_every_filtered_change_and_no_formula(client, team, history):
    as_member(client, team["admin"])
    response = client.get(URL, {"_export": "csv", "acao": "ocultar"})
    assert response["Content-Disposition"].startswith('attachment; filename="atividade-')
    header, *rows = exported(response)
    assert header == [
        "Quando",
        "Cliente",
        "CPF/CNPJ",
        "Ação",
        "Quem",
        "Origem",
        "O que mudou",
        "Observação",
    ]
    ((when, name, document, action, who, origin, what, note),) = rows
    assert name == "'=Loja Velha"  # read as text by a spreadsheet, not run as a formula
    assert (action, who, origin) == ("Ocultar", "sistema", "Sistema")
    assert "Oculto em: — →" in what and "Status: Inativo → Oculto" in what


def test_each_write_path_records_its_partner_and_origin(
    partner_a, partner_a_user, staff_user, make_client_in, api, make_link_client
):
    shop = make_client_in(partner_a, "ativo")
    client_suspend(client=shop, by=partner_a_user)
    client_unsuspend(client=shop, by=staff_user)
    link, code = make_link_client(partner_a)
    assert api.post("ativacao", {"codigo_registro": code, "maquina": "M", "versao": "4.0"})
    import_clients(
        partner=partner_a,
        data=(
            b"cpf_cnpj;nome;email;produto;uf;cidade;vencimento\n"
            b"52998224725;Nova Loja;;navi;SP;Campinas;10/01/2030\n"
        ),
    )
    origins = {(e.action, e.origin) for e in ClientEvent.objects.all()}
    assert origins >= {
        ("suspender", Origin.PORTAL),
        ("cancelar-suspensao", Origin.ADMIN),
        ("ativar", Origin.API),
        ("cadastrar", Origin.IMPORT),
    }
    assert set(ClientEvent.objects.values_list("partner", flat=True)) == {partner_a.pk}


def test_events_are_never_changed_once_written(partner_a, partner_a_user, make_client_in):
    shop = make_client_in(partner_a, "ativo")
    client_suspend(client=shop, by=partner_a_user)
    event = ClientEvent.objects.get()
    event.note = "reescrito"
    with pytest.raises(ValueError):
        event.save()
    assert ClientEvent.objects.get().note == ""


def test_the_historico_reads_the_same_records_and_links_to_atividade(client, team, history):
    mercado = history["mercado"]
    page = as_member(client, team["admin"]).get(reverse("clients:history", args=[mercado.pk]))
    assert f'href="{URL}?cliente={mercado.pk}"' in page.text
    assert [event.pk for event, _, _ in page.context["rows"]] == list(
        ClientEvent.objects.filter(client=mercado)
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
    )
    assert "Portal" in page.text


def test_a_deactivated_member_still_appears_by_name(client, team, history):
    PartnerUser.objects.filter(user=team["operador"]).delete()
    team["operador"].delete()
    page = as_member(client, team["admin"]).get(URL)
    assert ("Padaria Estrela", "suspender") in shown(page)
    assert "ope" in page.text  # the actor's label stays
