"""Bulk actions (/clientes/em-lote/): the preview, its binding, the confirmation's report."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clients.domain.actions import Action, can
from clients.domain.status import Status
from clients.models import Client, ClientEvent, Renewal
from clients.services import bulk, client_suspend, client_unsuspend, not_allowed_message

PREVIEW = reverse("clients:bulk-preview")
CONFIRM = reverse("clients:bulk-confirm")
BULK_ACTIONS = [Action.RENEW, Action.SUSPEND, Action.UNSUSPEND, Action.HIDE]


def preview(client, action, ids=(), follow=False, **params):
    data = {"acao": action.value, "id": [str(pk) for pk in ids], **params}
    return client.get(PREVIEW, data, follow=follow)


def token_of(response) -> str:
    return re.search(r'name="token" value="([^"]+)"', response.text).group(1)


def confirm(client, token, run_jobs, **data):
    """Confirm a preview: its job runs, and its page (the outcome) is returned."""
    with run_jobs():
        response = client.post(CONFIRM, {"token": token, **data})
    assert response.status_code == 302, response
    return client.get(response.url)


def lines(response) -> dict[int, tuple[bool, str]]:
    return {
        line.client.pk: (line.allowed, line.message) for line in response.context["preview"].lines
    }


@pytest.mark.parametrize("action", BULK_ACTIONS, ids=lambda action: action.value)
def test_the_preview_says_for_each_status_what_happens_or_why_not(client_a, every_status, action):
    response = preview(client_a, action, [c.pk for c in every_status.values()])
    assert response.status_code == 200
    shown = lines(response)
    for status, target in every_status.items():
        allowed, message = shown[target.pk]
        assert allowed == can(target, action), status
        if not allowed:  # the single action's own message
            assert message == not_allowed_message(action, status, target)
            assert message in response.text
    assert not ClientEvent.objects.exists()  # a preview changes nothing


def test_the_renewal_preview_shows_the_vencimento_before_and_after(client_a, every_status):
    expired = every_status[Status.EXPIRED]
    response = preview(client_a, Action.RENEW, [expired.pk])
    assert lines(response)[expired.pk] == (True, "Vencimento 10/05/2026 → 10/06/2026")
    assert "Confirmar: renovar 1 cliente" in response.text


def test_confirming_applies_the_allowed_ones_each_through_the_service(
    client_a, every_status, run_jobs
):
    expired, active = every_status[Status.EXPIRED], every_status[Status.ACTIVE]
    inactive = every_status[Status.INACTIVE]
    active.renewal = Renewal.BILLING  # Ativo with Gestão de cobranças: not renewable
    active.save()
    response = preview(client_a, Action.RENEW, [expired.pk, active.pk, inactive.pk])
    result = confirm(client_a, token_of(response), run_jobs)
    assert result.status_code == 200
    assert [line.subject_id for line in result.context["done_lines"]] == [expired.pk]
    assert list(result.context["refused"]) == []  # refused ones were never bound
    expired.refresh_from_db()
    assert expired.expires_on == datetime.date(2026, 6, 10)
    event = ClientEvent.objects.get()
    assert (event.client, event.action, event.actor_label) == (expired, "renovar", "ana")
    assert "1</strong> cliente alterado" in result.text


def test_a_client_changed_since_the_preview_is_refused_not_changed(
    client_a, every_status, partner_a_user, run_jobs
):
    """Suspended and unsuspended again: Ativo as before, but not what the preview showed."""
    active = every_status[Status.ACTIVE]
    expires = active.expires_on
    response = preview(client_a, Action.RENEW, [active.pk])
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1), tick=False):
        suspended = client_suspend(client=active, by=partner_a_user)
        client_unsuspend(client=suspended, by=partner_a_user)
    result = confirm(client_a, token_of(response), run_jobs)
    assert [(line.subject_id, line.message) for line in result.context["refused"]] == [
        (active.pk, bulk.CHANGED)
    ]
    assert list(result.context["done_lines"]) == []
    active.refresh_from_db()
    assert active.expires_on == expires
    assert list(ClientEvent.objects.values_list("action", flat=True)) == [
        "cancelar-suspensao",
        "suspender",
    ]


def test_ids_in_unicode_digits_select_nothing(client_a, every_status):
    """ "¹".isdigit() is true and int("¹") fails: such an id is ignored, not a 500."""
    wanted = every_status[Status.ACTIVE]
    response = client_a.get(PREVIEW, {"acao": Action.RENEW.value, "id": ["¹", "٣", wanted.pk]})
    assert response.status_code == 200
    assert list(lines(response)) == [wanted.pk]


def test_a_tampered_or_foreign_token_changes_nothing(
    client, client_a, every_status, partner_b_user
):
    expired = every_status[Status.EXPIRED]
    token = token_of(preview(client_a, Action.RENEW, [expired.pk]))
    response = client_a.post(CONFIRM, {"token": token[:-2] + "xx"}, follow=True)
    assert bulk.INVALID_TOKEN in response.text
    client.force_login(partner_b_user)
    response = client.post(CONFIRM, {"token": token}, follow=True)
    assert bulk.INVALID_TOKEN in response.text
    assert not ClientEvent.objects.exists()


def test_all_that_match_the_filter_come_from_the_filter_not_from_posted_ids(
    client_a, partner_a, make_client, every_status
):
    more = [make_client(partner_a, expires_on=datetime.date(2026, 5, 2)) for _ in range(3)]
    response = preview(client_a, Action.RENEW, todos="1", status="expirado", lista="clientes")
    expected = {every_status[Status.EXPIRED].pk, *(c.pk for c in more)}
    assert set(lines(response)) == expected
    assert "Até 5.000 clientes" in client_a.get(reverse("clients:list")).text


def test_above_the_limit_it_says_so_and_previews_nothing(client_a, every_status, monkeypatch):
    monkeypatch.setattr(bulk, "MAX_CLIENTS", 2)
    response = preview(client_a, Action.SUSPEND, todos="1", follow=True)
    assert "no máximo 2 clientes; a seleção tem 5" in response.text
    assert "preview" not in response.context


def test_without_a_selection_it_asks_for_one(client_a, every_status):
    response = client_a.get(PREVIEW, {"acao": "renovar"}, follow=True)
    assert "Selecione pelo menos um cliente." in response.text


def test_another_partners_ids_are_not_selected(client, partner_b_user, every_status):
    client.force_login(partner_b_user)
    response = preview(client, Action.SUSPEND, [c.pk for c in every_status.values()])
    assert lines(response) == {}


def test_export_of_the_selection_has_only_the_selected_rows(client_a, every_status):
    chosen = [every_status[Status.ACTIVE], every_status[Status.INACTIVE]]
    response = client_a.get(PREVIEW, {"acao": "exportar", "id": [str(c.pk) for c in chosen]})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert len(body.strip().splitlines()) == 3  # header + 2
    for target in chosen:
        assert target.name in body


def test_confirm_only_takes_a_post(client_a, every_status):
    assert client_a.get(CONFIRM).status_code == 405


def test_the_list_has_a_checkbox_per_row_for_the_bulk_form(client_a, every_status):
    page = client_a.get(reverse("clients:list")).text
    for target in every_status.values():
        if target.hidden_at is None:
            assert f'name="id" value="{target.pk}" form="bulk-form"' in page
    assert 'id="bulk-form"' in page
    assert "Selecionar todos os 5 que correspondem ao filtro" in page


# Renovação -----------------------------------------------------------------------------------

RENEWALS = reverse("clients:renewals")


def test_renovacao_lists_the_months_manual_renewals_by_vencimento(
    client_a, partner_a, make_client, today
):
    now = timezone.now()
    due = make_client(partner_a, name="Vence dia 31", expires_on=datetime.date(2026, 5, 31))
    expired = make_client(partner_a, name="Venceu dia 3", expires_on=datetime.date(2026, 5, 3))
    make_client(partner_a, name="Mês que vem", expires_on=datetime.date(2026, 6, 1))
    make_client(
        partner_a, name="Cobrança", expires_on=datetime.date(2026, 5, 20), renewal=Renewal.BILLING
    )
    make_client(partner_a, name="Suspenso", expires_on=datetime.date(2026, 5, 20), suspended_at=now)
    make_client(partner_a, name="Inativo", expires_on=datetime.date(2026, 4, 30))
    response = client_a.get(RENEWALS)
    assert [row.record.pk for row in response.context["table"].paginated_rows] == [
        expired.pk,
        due.pk,
    ]
    assert "2 clientes a renovar" in response.text
    assert 'value="renovacao"' in response.text  # the bulk bar knows its list


def test_renovacao_applies_the_clientes_filters(client_a, partner_a, make_client, today):
    make_client(partner_a, name="Vence dia 31", expires_on=datetime.date(2026, 5, 31))
    expired = make_client(partner_a, name="Venceu dia 3", expires_on=datetime.date(2026, 5, 3))
    response = client_a.get(RENEWALS, {"status": "expirado"})
    assert [row.record.pk for row in response.context["table"].paginated_rows] == [expired.pk]
    everything = preview(client_a, Action.RENEW, todos="1", lista="renovacao")
    assert len(lines(everything)) == 2
    assert Client.objects.count() == 2


def confirm_queries(client_a, clients, run_jobs) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jobs.models import JobLine

    token = token_of(preview(client_a, Action.RENEW, [c.pk for c in clients]))
    with CaptureQueriesContext(connection) as queries, run_jobs():
        client_a.post(CONFIRM, {"token": token})
    assert JobLine.objects.filter(ok=True, subject_id__in=[c.pk for c in clients]).count() == len(
        clients
    )
    return len(queries)


def test_a_confirmation_costs_the_same_queries_for_2_clients_or_20(
    client_a, partner_a, make_client_in, run_jobs
):
    """The submission, then the job: one lock, one read of the licenses, one UPDATE per new
    vencimento, one INSERT of the events, one of the job's lines: not a service call per
    client."""
    few = [make_client_in(partner_a, "expirado") for _ in range(2)]
    many = [make_client_in(partner_a, "expirado") for _ in range(20)]
    assert confirm_queries(client_a, few, run_jobs) == confirm_queries(client_a, many, run_jobs)
    renewed = ClientEvent.objects.filter(action="renovar")
    assert sorted(renewed.values_list("client", flat=True)) == sorted(c.pk for c in few + many)
    for client in many:
        event = renewed.get(client=client)
        client.refresh_from_db()
        assert event.after["expires_on"] == client.expires_on.isoformat()
        assert event.before["expires_on"] != event.after["expires_on"]
        assert client.version == 1


def test_the_set_service_is_the_single_action_for_each_client(
    partner_a, partner_a_user, every_status
):
    """clients_act over every status: the allowed ones changed as client_renew changes one,
    each with its event; the others refused with the single action's message, unchanged."""
    from clients.services import clients_act

    outcomes = clients_act(
        clients=Client.objects.filter(partner=partner_a), action=Action.RENEW, by=partner_a_user
    )
    by_status = {every_status_of(every_status, o.client.pk): o for o in outcomes}
    for status, target in every_status.items():
        outcome = by_status[status]
        if can(target, Action.RENEW):
            assert outcome.refusal is None
            assert outcome.client.expires_on > target.expires_on
        else:
            assert outcome.refusal.message == not_allowed_message(Action.RENEW, status, target)
            assert Client.objects.get(pk=target.pk).version == target.version
    assert ClientEvent.objects.count() == sum(can(c, Action.RENEW) for c in every_status.values())


def every_status_of(every_status, pk):
    return next(status for status, client in every_status.items() if client.pk == pk)
