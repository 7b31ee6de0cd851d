"""Renovar em lote and the partner's credit: the preview's charges, total and balance; a batch
the balance cannot pay refused by the preview, by the job at its start, and client by client in
a chunk that finds the credit spent meanwhile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import Client, ClientEvent, CreditEntry, Module, Price, Product, Renewal
from clients.services import RENEWED_BY_VENDOR, bulk
from clients.services.credit import balance, credit_add, credit_reverse
from jobs.models import Job, JobLine, State
from tests.test_bulk import CONFIRM, lines, preview, token_of

pytestmark = pytest.mark.usefixtures("today", "license_price")


@pytest.fixture
def license_price(db):
    Price.objects.create(
        product=Product.NAVI, module=Module.MAIN, monthly=50_00, valid_from="2026-01-01"
    )


@pytest.fixture
def expired(partner_a, make_client_in):
    """Three Expirado Renovação manual clients: 1, 2 and 3 licenses (R$ 50, 100, 150)."""
    return [
        make_client_in(partner_a, Status.EXPIRED, licenses=n, name=f"Loja {n}") for n in (1, 2, 3)
    ]


def renewed(clients) -> list[bool]:
    return [ClientEvent.objects.filter(client=c, action="renovar").exists() for c in clients]


def test_the_preview_shows_each_charge_the_total_and_the_balance(client_a, partner_a, expired):
    credit_add(partner=partner_a, amount=400_00, by=None)
    response = preview(client_a, Action.RENEW, [c.pk for c in expired])
    result = response.context["preview"]
    assert [line.charge for line in result.lines] == [50_00, 100_00, 150_00]
    assert (result.total, result.balance, result.short_of_credit) == (300_00, 400_00, "")
    text = response.text
    assert (
        "Total das renovações: <strong>R$ 300,00</strong> · saldo atual R$ 400,00 → R$ 100,00"
        in text
    )
    assert '<td class="text-end text-nowrap">R$ 150,00</td>' in text
    assert "Confirmar: renovar 3 clientes" in text
    assert not ClientEvent.objects.exists()


def test_the_preview_refuses_a_batch_the_balance_cannot_pay(client_a, partner_a, expired):
    credit_add(partner=partner_a, amount=200_00, by=None)
    response = preview(client_a, Action.RENEW, [c.pk for c in expired])
    assert response.context["preview"].short_of_credit == (
        "Crédito insuficiente para estas renovações: custam R$ 300,00 e o saldo é R$ 200,00. "
        "Faltam R$ 100,00. Nada foi feito: peça mais crédito ao fornecedor ou selecione menos "
        "clientes."
    )
    assert 'role="alert" id="preview-credit"' in response.text
    assert "Faltam R$ 100,00." in response.text
    assert "Confirmar:" not in response.text
    # Nor does the summary invite a confirmation there is no button for.
    assert "confirme para aplicar" not in response.text
    assert not ClientEvent.objects.exists()


def test_gestao_de_cobrancas_clients_are_refused_and_cost_nothing(
    client_a, partner_a, make_client_in, expired
):
    billed = make_client_in(partner_a, Status.EXPIRED, licenses=9, renewal=Renewal.BILLING)
    credit_add(partner=partner_a, amount=300_00, by=None)
    response = preview(client_a, Action.RENEW, [billed.pk, *(c.pk for c in expired)])
    assert lines(response)[billed.pk] == (False, RENEWED_BY_VENDOR.format(action="Renovar"))
    assert response.context["preview"].total == 300_00
    assert "Confirmar: renovar 3 clientes" in response.text


def test_the_job_refuses_the_whole_run_if_the_credit_fell_short_since_the_preview(
    client_a, partner_a, expired, run_jobs
):
    added = credit_add(partner=partner_a, amount=400_00, by=None)
    token = token_of(preview(client_a, Action.RENEW, [c.pk for c in expired]))
    credit_reverse(entry=added, by=None, reason="Pix devolvido")  # balance 0 now
    credit_add(partner=partner_a, amount=250_00, by=None)  # less than the R$ 300,00
    with run_jobs():
        client_a.post(CONFIRM, {"token": token})
    job = Job.objects.get(kind="bulk")
    assert (job.state, job.retryable) == (State.FAILED, True)
    assert job.error == (
        "Crédito insuficiente para estas renovações: custam R$ 300,00 e o saldo é R$ 250,00. "
        "Faltam R$ 50,00. Nada foi feito: peça mais crédito ao fornecedor ou selecione menos "
        "clientes."
    )
    assert renewed(expired) == [False, False, False]
    assert not JobLine.objects.filter(job=job).exists()
    assert balance(partner_a) == 250_00


def test_the_job_renews_and_charges_each_client(client_a, partner_a, expired, run_jobs):
    credit_add(partner=partner_a, amount=400_00, by=None)
    token = token_of(preview(client_a, Action.RENEW, [c.pk for c in expired]))
    with run_jobs():
        client_a.post(CONFIRM, {"token": token})
    assert Job.objects.get(kind="bulk").state == State.DONE
    assert renewed(expired) == [True, True, True]
    charges = CreditEntry.objects.filter(client__in=expired).order_by("client__name")
    assert [(e.amount, e.event.action) for e in charges] == [
        (-50_00, "renovar"),
        (-100_00, "renovar"),
        (-150_00, "renovar"),
    ]
    assert balance(partner_a) == 100_00


def test_a_price_raised_since_the_preview_refuses_every_client_and_charges_nothing(
    client_a, partner_a, expired, run_jobs, today
):
    """The preview showed R$ 300,00, exactly the balance: the job starts (it checks the amounts
    shown, not today's), and each client, priced again on its locked row, is refused."""
    credit_add(partner=partner_a, amount=300_00, by=None)
    token = token_of(preview(client_a, Action.RENEW, [c.pk for c in expired]))
    Price.objects.create(product=Product.NAVI, module=Module.MAIN, monthly=60_00, valid_from=today)
    with run_jobs():
        client_a.post(CONFIRM, {"token": token})
    job = Job.objects.get(kind="bulk")
    assert job.state == State.DONE, job.error
    reported = JobLine.objects.filter(job=job).order_by("label")
    assert [(line.label, line.ok, line.message) for line in reported] == [
        (
            f"Loja {n}",
            False,
            f"O valor da renovação mudou desde a prévia (R$ {50 * n},00 → R$ {60 * n},00); "
            "nada foi feito. Faça uma nova prévia.",
        )
        for n in (1, 2, 3)
    ]
    assert renewed(expired) == [False, False, False]
    assert not CreditEntry.objects.filter(client__in=expired).exists()
    assert balance(partner_a) == 300_00


def test_a_price_change_that_costs_these_clients_nothing_more_lets_them_renew(
    client_a, partner_a, expired, run_jobs, today
):
    credit_add(partner=partner_a, amount=300_00, by=None)
    token = token_of(preview(client_a, Action.RENEW, [c.pk for c in expired]))
    Price.objects.create(product=Product.NAVI, module=Module.TEF, monthly=99_00, valid_from=today)
    with run_jobs():
        client_a.post(CONFIRM, {"token": token})
    assert renewed(expired) == [True, True, True]
    assert balance(partner_a) == 0


def test_a_chunk_refuses_the_clients_the_credit_left_cannot_pay_for(
    partner_a, partner_a_user, expired
):
    credit_add(partner=partner_a, amount=200_00, by=None)
    bound = {c.pk: bulk.Bound(bulk.fingerprint(c), 50_00 * n) for n, c in enumerate(expired, 1)}
    results = bulk.apply_bound(
        action=Action.RENEW,
        bound=bound,
        clients=Client.objects.filter(partner=partner_a),
        user=partner_a_user,
    )
    by_client = {r.client_id: (r.done, r.message) for r in results}
    one, two, three = expired  # locked and charged in id order: R$ 50, R$ 100, then R$ 150
    assert by_client[one.pk][0] and by_client[two.pk][0]
    assert by_client[three.pk] == (
        False,
        "Crédito insuficiente: esta operação custa R$ 150,00 e o saldo é R$ 50,00. "
        "Faltam R$ 100,00.",
    )
    assert renewed(expired) == [True, True, False]
    assert balance(partner_a) == 50_00


def test_the_preview_reads_the_same_queries_for_3_or_30_clients(
    client_a, partner_a, make_client_in
):
    credit_add(partner=partner_a, amount=10_000_00, by=None)
    clients = [make_client_in(partner_a, Status.EXPIRED, licenses=2) for _ in range(30)]

    def count(selected):
        with CaptureQueriesContext(connection) as queries:
            response = preview(client_a, Action.RENEW, [c.pk for c in selected])
        assert response.context["preview"].total == 100_00 * len(selected)
        return len(queries)

    # Session and user, partner, the clients, their licenses, the prices, the balance.
    assert count(clients[:3]) == count(clients)


def test_a_chunk_prices_its_clients_again_without_a_query_per_client(
    partner_a, partner_a_user, make_client_in
):
    credit_add(partner=partner_a, amount=10_000_00, by=None)
    clients = [make_client_in(partner_a, Status.EXPIRED, licenses=2) for _ in range(30)]

    def count(selected):
        bound = {c.pk: bulk.Bound(bulk.fingerprint(c), 100_00) for c in selected}
        with CaptureQueriesContext(connection) as queries:
            results = bulk.apply_bound(
                action=Action.RENEW,
                bound=bound,
                clients=Client.objects.filter(partner=partner_a),
                user=partner_a_user,
            )
        assert all(result.done for result in results)
        return len(queries)

    # The locked clients, their licenses, the prices (once), the account, the writes.
    assert count(clients[:3]) == count(clients[3:])
