"""manage.py bench_credit: the money at scale (PostgreSQL; docs/performance.md) — the Crédito
page with 1,000,000 ledger entries next to the Clientes floor page, the balance read with few
and many entries, and a bulk renewal of 1,000 clients with prices next to the same without.

Needs the database `bench_clients` seeded (make bench BENCH_ARGS=--seed-only); adds the
entries once (re-runs reuse them; --reseed adds them again): --entries over ~10 months, --share
of them on the measured partner, each partner's running balance never below zero (a credit,
then nine debits, again and again), the accounts' balances their entries' sums.
"""

import datetime
import itertools
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from benchmarks.management.commands.bench_clients import (
    BENCH_PREFIX,
    BENCH_USER,
    _load,
    _n,
    _p50,
    _p95,
    _request,
    _served_as_production,
    sql_timer,
)
from clients.domain.actions import Action
from clients.domain.modules import is_valid_for
from clients.domain.status import Status, status_q
from clients.models import (
    Client,
    CreditAccount,
    CreditEntry,
    EntryKind,
    Module,
    Price,
    Product,
    Renewal,
)
from clients.services import bulk
from clients.services.credit import balance, reconcile
from partners.models import Partner, PartnerUser, Role
from portal.progress import ProgressBar

CREDIT, DEBIT = 50000, 4990  # centavos: R$ 500,00 added, then nine renewals of R$ 49,90


class Command(BaseCommand):
    help = "Mede o Crédito com 1.000.000 de lançamentos, a leitura do saldo e a renovação em lote."

    def add_arguments(self, parser):
        parser.add_argument("--entries", type=int, default=1_000_000)
        parser.add_argument(
            "--share", type=float, default=0.1, help="fração dos lançamentos no parceiro medido"
        )
        parser.add_argument("--requests", type=int, default=10)
        parser.add_argument("--bulk", type=int, default=1000, help="clientes da renovação em lote")
        parser.add_argument("--reseed", action="store_true")

    def handle(self, *args, entries, share, requests, bulk, reseed, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark precisa de PostgreSQL: defina DATABASE_URL.")
        big = Partner.objects.filter(code=f"{BENCH_PREFIX}0001").first()
        if big is None:
            raise CommandError("Semeie antes: make bench BENCH_ARGS=--seed-only.")
        user = get_user_model().objects.get(username=BENCH_USER)
        PartnerUser.objects.filter(user=user).update(role=Role.ADMIN)
        if reseed or CreditEntry.objects.count() != entries:
            self._seed(big, entries, share)
        if mismatches := reconcile():
            raise CommandError(f"Semeadura inconsistente: {len(mismatches)} saldos diferem.")
        self.stdout.write(f"{_load()} no início.")
        self._pages(big, user, requests)
        self._balance(big)
        self._bulk_renewal(big, user, bulk)
        self.stdout.write(f"{_load()} no fim.")

    # Seeding ---------------------------------------------------------------------------------

    def _seed(self, big, entries, share):
        started = time.perf_counter()
        mine = int(entries * share)
        self.stdout.write(f"Semeando {_n(entries)} lançamentos ({_n(mine)} do parceiro medido)…")
        entry, account = CreditEntry._meta.db_table, CreditAccount._meta.db_table
        # The g-th entry belongs to the measured partner for the first `mine` of each
        # thousand-th share; its client is one of that partner's (or of the others'), spread.
        # Per partner, its k-th entry (in time order) is a credit when k ≡ 1 (mod 10).
        template = """
            WITH picked AS (
                SELECT g, c.partner_id, c.id AS client_id
                FROM generate_series(1, %(entries)s) AS g
                JOIN (
                    SELECT id, partner_id, row_number() OVER (ORDER BY id) - 1 AS n
                    FROM clients_client WHERE {where}
                ) AS c ON c.n = (g::bigint * 7919) % %(count)s
                WHERE {share}
            ), numbered AS (
                SELECT *, row_number() OVER (PARTITION BY partner_id ORDER BY g) AS k FROM picked
            ), priced AS (
                SELECT *, CASE WHEN k % 10 = 1 THEN %(credit)s ELSE -%(debit)s END AS amount,
                       CASE WHEN k % 10 = 1 THEN 'credito' WHEN k % 10 = 9 THEN 'proporcional'
                            WHEN k % 10 = 5 THEN 'reativacao' ELSE 'renovacao' END AS kind
                FROM numbered
            )
            INSERT INTO {entry} (partner_id, kind, amount, balance_after, client_id,
                                 description, actor_label, at)
            SELECT partner_id, kind, amount,
                   sum(amount) OVER (PARTITION BY partner_id ORDER BY g),
                   CASE WHEN kind = 'credito' THEN NULL ELSE client_id END,
                   CASE WHEN kind = 'credito' THEN 'Crédito adicionado (PIX)'
                        ELSE 'Renovação até 10/02/2026' END,
                   CASE WHEN kind = 'credito' THEN 'financeiro' ELSE 'bench' END,
                   now() - (%(entries)s - g) * interval '25 seconds'
            FROM priced
        """.replace(" % ", " %% ")  # the modulo, not a placeholder
        common = {"entries": entries, "credit": CREDIT, "debit": DEBIT, "big": big.pk}
        mine_of_thousand = round(share * 1000)
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {entry}, {account}")
            theirs = Client.objects.filter(partner=big)
            for where, chosen, count in (
                ("partner_id = %(big)s", "<", theirs.count()),
                ("partner_id <> %(big)s", ">=", Client.objects.count() - theirs.count()),
            ):
                share_sql = f"g %% 1000 {chosen} {mine_of_thousand}"
                cursor.execute(
                    template.format(entry=entry, where=where, share=share_sql),
                    {**common, "count": count},
                )
            cursor.execute(
                f"INSERT INTO {account} (partner_id, balance, updated_at) "
                f"SELECT partner_id, sum(amount), max(at) FROM {entry} GROUP BY partner_id"
            )
            cursor.execute(f"VACUUM (ANALYZE) {entry}")
            cursor.execute(f"VACUUM (ANALYZE) {account}")
        self.stdout.write(f"Lançamentos semeados em {time.perf_counter() - started:.0f} s.")

    # The Crédito page ------------------------------------------------------------------------

    def _pages(self, big, user, requests):
        portal = TestClient()
        portal.force_login(user)
        month = timezone.localdate().replace(day=1)
        try:
            url = reverse("clients:credit")
        except NoReverseMatch:
            url = None
        variants = [
            ("Crédito, padrão (página 1)", {}),
            (f"mês {month:%m/%Y}", {"mes": f"{month:%Y-%m}"}),
            ("tipo renovação", {"tipo": EntryKind.RENEWAL}),
            ("tipo reativação", {"tipo": EntryKind.REACTIVATION}),
            ("página 50", {"page": 50}),
        ]
        if url is not None:
            measured = [
                (label, _request(portal, url + _query(params))) for label, params in variants
            ]
            what = f"a página {url}"
        else:
            measured = [(label, _extrato(big, **params)) for label, params in variants]
            what = "a consulta do extrato (a página Crédito ainda não existe neste ramo)"
        floor = _request(portal, reverse("bench-clients-floor"))
        total = CreditEntry.objects.filter(partner=big).count()
        self.stdout.write(
            f"\nCrédito do parceiro {big.code} ({_n(total)} lançamentos de "
            f"{_n(CreditEntry.objects.count())}): {what}, {requests} rodadas, cada variante "
            "seguida do piso da tela Clientes, após uma rodada de aquecimento."
        )
        samples = {label: [] for label, _ in measured}
        ratios = {label: [] for label, _ in measured}
        with override_settings(**_served_as_production()):
            progress = ProgressBar(self.stdout, "medições", requests + 1)
            for round_ in range(requests + 1):
                for label, measure in measured:
                    result, floor_result = measure(), floor()
                    if round_:
                        samples[label].append(result)
                        ratios[label].append(result[0] / floor_result[0])
                progress.update_to(round_ + 1)
            progress.finish()
        self.stdout.write(
            "| variante | p50 (ms) | p95 (ms) | SQL p50 (ms) | consultas "
            "| × piso Clientes (mediana; mín–máx) |"
        )
        self.stdout.write("|---|---:|---:|---:|---:|---:|")
        for label, results in samples.items():
            wall, sql, _, queries = zip(*results, strict=True)
            ratio = ratios[label]
            self.stdout.write(
                f"| {label} | {_p50(wall):.1f} | {_p95(wall):.1f} | {_p50(sql):.1f} | "
                f"{max(queries)} | {_p50(ratio):.2f} ({min(ratio):.2f}–{max(ratio):.2f}) |"
            )

    # The balance -----------------------------------------------------------------------------

    def _balance(self, big, reads=2000):
        """balance() of the measured partner and of one with few entries, next to the sum of
        the entries it saves."""
        few = (
            CreditEntry.objects.exclude(partner=big)
            .values("partner_id")
            .annotate(n=Count("id"))
            .order_by("n")
            .first()
        )
        small = Partner.objects.get(pk=few["partner_id"])
        rows = []
        for partner in (small, big):
            count = CreditEntry.objects.filter(partner=partner).count()
            times = _timed(lambda p=partner: balance(p), reads)
            summed = _timed(
                lambda p=partner: CreditEntry.objects.filter(partner=p).aggregate(Sum("amount")),
                20,
            )
            rows.append((partner.code, count, times, summed))
        self.stdout.write(
            f"\nSaldo (clients.services.credit.balance, mediana de {_n(reads)} leituras) e a "
            "soma dos lançamentos que ele evita (mediana de 20):"
        )
        self.stdout.write("| parceiro | lançamentos | balance() (ms) | soma dos lançamentos (ms) |")
        self.stdout.write("|---|---:|---:|---:|")
        for code, count, times, summed in rows:
            self.stdout.write(f"| {code} | {_n(count)} | {times:.3f} | {summed:.1f} |")

    # Bulk renewal ----------------------------------------------------------------------------

    def _bulk_renewal(self, big, user, size, rounds=3):
        """Renovar em lote of `size` Ativo Renovação manual clients: the preview (service) and
        the job's apply (clients.services.bulk.apply_bound, a chunk per transaction), with
        prices (each client debited, its entry written) and without; rolled back each round."""
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        pks = list(
            Client.objects.filter(status_q(Status.ACTIVE), partner=big, renewal=Renewal.MANUAL)
            .filter(expires_on__gte=tomorrow)
            .order_by("expires_on", "pk")
            .values_list("pk", flat=True)[:size]
        )
        clients = Client.objects.filter(partner=big)
        results = {"sem preços": [], "com preços": []}
        for round_ in range(rounds + 1):
            for label in results if round_ % 2 else reversed(results):
                with transaction.atomic():
                    if label == "com preços":
                        _prices()
                    else:
                        Price.objects.all().delete()
                    entries_before = CreditEntry.objects.count()
                    started = time.perf_counter()
                    with sql_timer() as sql:
                        preview = bulk.preview(
                            action=Action.RENEW,
                            clients=clients.filter(pk__in=pks),
                            partner=big,
                            user=user,
                        )
                        previewed = time.perf_counter()
                        _, bound = bulk.read_token(token=preview.token, partner=big, user=user)
                        done = 0
                        for chunk in itertools.batched(sorted(bound), bulk.CHUNK_SIZE):
                            with transaction.atomic():
                                done += sum(
                                    r.done
                                    for r in bulk.apply_bound(
                                        action=Action.RENEW,
                                        bound={pk: bound[pk] for pk in chunk},
                                        clients=clients,
                                        user=user,
                                    )
                                )
                    ended = time.perf_counter()
                    charged = CreditEntry.objects.count() - entries_before
                    if done != len(pks):
                        raise CommandError(f"renovou {done} de {len(pks)} clientes ({label})")
                    if round_:
                        results[label].append(
                            (previewed - started, ended - previewed, sql["queries"], charged)
                        )
                    transaction.set_rollback(True)
        self.stdout.write(
            f"\nRenovar em lote {_n(len(pks))} clientes de Renovação manual (mediana de "
            f"{rounds}; serviço da prévia e aplicação do trabalho, {bulk.CHUNK_SIZE} por "
            "transação):"
        )
        self.stdout.write("| preços | prévia (s) | aplicação (s) | consultas | lançamentos |")
        self.stdout.write("|---|---:|---:|---:|---:|")
        for label, rows in results.items():
            preview_s, apply_s, queries, charged = (
                statistics.median(v) for v in zip(*rows, strict=True)
            )
            self.stdout.write(
                f"| {label} | {preview_s:.2f} | {apply_s:.2f} | {queries:.0f} | {charged:.0f} |"
            )
        with_prices = statistics.median(r[1] for r in results["com preços"])
        without = statistics.median(r[1] for r in results["sem preços"])
        self.stdout.write(f"Aplicação com preços / sem preços: {with_prices / without:.2f}×.")


def _query(params):
    return "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""


def _extrato(partner, mes=None, tipo=None, page=1, per_page=50):
    """The extrato's read without the page: the partner's entries newest first, a month's
    range, a kind, a page (with its client), and the count the pager needs."""

    def run():
        rows = CreditEntry.objects.filter(partner=partner)
        if mes:
            year, month = map(int, mes.split("-"))
            first = timezone.make_aware(datetime.datetime(year, month, 1))
            after = timezone.make_aware(datetime.datetime(year + month // 12, month % 12 + 1, 1))
            rows = rows.filter(at__gte=first, at__lt=after)
        if tipo:
            rows = rows.filter(kind=tipo)
        rows.count()
        start = (page - 1) * per_page
        list(rows.select_related("client").order_by("-at", "-id")[start : start + per_page])

    def measure():
        with sql_timer() as sql:
            started, cpu = time.perf_counter(), time.process_time()
            run()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return elapsed * 1000, sql["time"] * 1000, cpu * 1000, sql["queries"]

    return measure


def _timed(call, times):
    """The median time of `call` in ms."""
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def _prices():
    """A price for every module of both products (inside the caller's transaction)."""
    day = timezone.localdate().replace(day=1)
    Price.objects.all().delete()
    Price.objects.bulk_create(
        Price(
            product=product,
            module=module,
            monthly=DEBIT if module == Module.MAIN else 1990,
            valid_from=day,
        )
        for product in Product
        for module in Module
        if is_valid_for(product, module)
    )
