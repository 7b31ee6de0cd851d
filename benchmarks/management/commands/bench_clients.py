"""Benchmark of the Clientes screen at scale, on PostgreSQL (`make bench`; see README, "Speed").

Seeds (once; re-runs reuse the data) 1,000,000 clients over 1,000 partners, one of them with
100,000, through COPY with the secondary indexes dropped and rebuilt. Then times, through
Django's test client with DEBUG off, every variant of that partner's Clientes page next to the
Django admin changelist of the same clients, in the same run, and prints a Markdown table
of p50/p95 server times.
"""

import datetime
import os
import random
import re
import statistics
import time
import tracemalloc
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.test import Client as TestClient
from django.test import TestCase
from django.test.utils import override_settings
from django.urls import reverse
from django.utils import timezone

from clients.domain.codes import CODE_ALPHABET
from clients.domain.documents import cnpj_from_base, cpf_from_base, format_document
from clients.domain.status import Status, facts_for, month_start, status_counts, status_q
from clients.management.commands.seed_demo import CITIES, KINDS, NAMES
from clients.models import Client, ClientEvent, LinkVersionSetting, Module, Product, Renewal
from clients.scoping import partner_tally
from clients.tally import count_tallied
from partners.models import Partner, PartnerUser
from portal.copying import copy_rows
from portal.progress import ProgressBar

BENCH_PREFIX = "bench-"
BENCH_USER = "bench"
BENCH_ADMIN = "bench-admin"
TABLES = ("clients_client", "clients_license", "clients_registrationcode")

CLIENT_COLUMNS = (
    "id",
    "partner_id",
    "name",
    "cpf_cnpj",
    "email",
    "uf",
    "city",
    "product",
    "registered_on",
    "expires_on",
    "renewal",
    "suspended_at",
    "pending_since",
    "pending_reason",
    "hidden_at",
    "license_key",
    "link_version",
    "last_seen_at",
    "notes",
    "version",
    "created_at",
    "updated_at",
)
LICENSE_COLUMNS = ("id", "client_id", "module", "quantity", "scheduled_quantity", "scheduled_from")
CODE_COLUMNS = ("id", "client_id", "partner_id", "code", "created_at", "consumed_at", "machine")

# Share of clients in each status (cumulative thresholds), and of Link clients not activated.
STATUS_SHARES = (
    (Status.ACTIVE, 0.62),
    (Status.SUSPENDED, 0.66),
    (Status.EXPIRED, 0.71),
    (Status.INACTIVE, 0.89),
    (Status.PENDING, 0.91),
    (Status.HIDDEN, 1.0),
)
NOT_ACTIVATED_SHARE = 0.03

COUNTS = "contagens por status (a consulta sozinha)"
COUNTS_UNTALLIED = "contagens por status sobre os clientes (sem a tabela de contagens)"


class Command(BaseCommand):
    help = (
        "Mede a tela Clientes com 1.000.000 de clientes (PostgreSQL): semeia uma vez, "
        "depois mede p50/p95 de cada variante ao lado do changelist do admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("--partners", type=int, default=1000)
        parser.add_argument("--clients", type=int, default=1_000_000)
        parser.add_argument("--big", type=int, default=100_000, help="clientes do parceiro medido")
        parser.add_argument("--requests", type=int, default=20, help="medições por variante")
        parser.add_argument("--reseed", action="store_true", help="apaga e semeia de novo")
        parser.add_argument("--seed-only", action="store_true")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark precisa de PostgreSQL: defina DATABASE_URL.")
        if options["big"] > options["clients"] or options["partners"] < 2:
            raise CommandError("Use --big ≤ --clients e pelo menos 2 parceiros.")
        self._refuse_foreign_data()
        if options["reseed"] or not self._seeded(options):
            self._seed(options)
        else:
            self.stdout.write("Dados do benchmark já semeados: reaproveitados (--reseed refaz).")
        if not options["seed_only"]:
            self._measure(options["requests"])

    # Seeding ---------------------------------------------------------------------------------

    def _refuse_foreign_data(self):
        foreign = Partner.objects.exclude(code__startswith=BENCH_PREFIX).exists()
        if foreign:
            raise CommandError(
                "Este banco tem parceiros que não são do benchmark: use um banco só para ele "
                "(make bench usa BENCH_DB)."
            )

    def _seeded(self, options):
        big = Partner.objects.filter(code=f"{BENCH_PREFIX}0001").first()
        return (
            big is not None
            and Partner.objects.count() == options["partners"]
            and Client.objects.filter(partner=big).count() == options["big"]
            and Client.objects.count() == options["clients"]
        )

    def _seed(self, options):
        started = time.perf_counter()
        self.stdout.write(
            f"Semeando {_n(options['clients'])} clientes em {_n(options['partners'])} parceiros "
            f"(um com {_n(options['big'])})…"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE clients_clientevent, clients_registrationcode, clients_license, "
                "clients_client, partners_partneruser, partners_partner RESTART IDENTITY CASCADE"
            )
        now = timezone.now()
        with transaction.atomic():
            partners = [
                Partner(id=i, code=f"{BENCH_PREFIX}{i:04d}", name=f"Revenda Bench {i:04d}")
                for i in range(1, options["partners"] + 1)
            ]
            Partner.objects.bulk_create(partners, batch_size=1000)
            self._users(partners[0])
            indexes = self._drop_secondary_indexes()
            self._copy_rows(options, now)
            with connection.cursor() as cursor:  # check the foreign keys now, not at COMMIT
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            self._recreate_indexes(indexes)
            self._reset_sequences()
        self.stdout.write("  VACUUM ANALYZE…")
        with connection.cursor() as cursor:
            for table in (*TABLES, "partners_partner"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        self.stdout.write(f"Semeado em {time.perf_counter() - started:.1f} s.")

    def _users(self, big_partner):
        User = get_user_model()
        User.objects.filter(username__in=[BENCH_USER, BENCH_ADMIN]).delete()
        user = User.objects.create_user(username=BENCH_USER, password=None)
        PartnerUser.objects.create(user=user, partner=big_partner)
        User.objects.create_superuser(username=BENCH_ADMIN, password=None)

    def _drop_secondary_indexes(self):
        """Drop the indexes no constraint needs (COPY is twice as fast without them)."""
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT i.indexname, i.indexdef FROM pg_indexes i
                WHERE i.tablename = ANY(%s) AND i.schemaname = current_schema()
                  AND NOT EXISTS (
                    SELECT 1 FROM pg_constraint c
                    WHERE c.conindid = (quote_ident(i.schemaname) || '.' ||
                                        quote_ident(i.indexname))::regclass)
                """,
                [list(TABLES)],
            )
            indexes = cursor.fetchall()
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        return indexes

    def _recreate_indexes(self, indexes):
        progress = ProgressBar(self.stdout, "índices", len(indexes))
        with connection.cursor() as cursor:
            for done, (_, definition) in enumerate(indexes, 1):
                cursor.execute(definition)
                progress.update_to(done)
        progress.finish()

    def _reset_sequences(self):
        with connection.cursor() as cursor:
            for table in ("partners_partner", *TABLES):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )

    def _copy_rows(self, options, now):
        total, big, partners = options["clients"], options["big"], options["partners"]
        rng = random.Random(2026)
        today = timezone.localdate()
        first = month_start(today)
        # One COPY at a time per connection: the codes wait in a list (licenses need none,
        # they follow from the client's id).
        codes = []
        progress = ProgressBar(self.stdout, "clientes", total)
        # The big partner's clients are spread over the whole table, as if registered over the
        # years among everybody else's: every `stride`-th client is theirs.
        stride = total // big

        def client_rows():
            others = 0
            for pk in range(1, total + 1):
                if pk % stride == 0 and pk // stride <= big:
                    partner_id = 1
                else:
                    partner_id, others = 2 + others % (partners - 1), others + 1
                row, code = self._client_row(pk, partner_id, rng, today, first, now)
                if code:
                    codes.append((partner_id, *code))
                if pk % 5000 == 0:
                    progress.update_to(pk)
                yield row

        def license_rows():
            for pk in range(1, total + 1):
                if pk % 5000 == 0:
                    progress.update_to(pk)
                yield (pk, pk, Module.MAIN, 1 + pk % 5, None, None)

        def code_rows():
            for done, (partner_id, pk, code, activated) in enumerate(codes, 1):
                consumed, machine = (now, "CAIXA-01") if activated else (None, "")
                if done % 5000 == 0:
                    progress.update_to(done)
                yield (pk, pk, partner_id, code, now, consumed, machine)

        with connection.cursor() as cursor:
            copy_rows(cursor, "clients_client", CLIENT_COLUMNS, client_rows())
            progress.finish()
            progress = ProgressBar(self.stdout, "licenças", total)
            copy_rows(cursor, "clients_license", LICENSE_COLUMNS, license_rows())
            progress.finish()
            progress = ProgressBar(self.stdout, "códigos de registro", len(codes))
            copy_rows(cursor, "clients_registrationcode", CODE_COLUMNS, code_rows())
            progress.finish()

    def _client_row(self, pk, partner_id, rng, today, first, now):
        roll = rng.random()  # one draw against the cumulative shares
        status = next(status for status, share in STATUS_SHARES if roll < share)
        uf, city = CITIES[pk % len(CITIES)]
        product = Product.LINK if rng.random() < 0.5 else Product.NAVI
        document = cpf_from_base(f"{pk:09d}") if pk % 3 == 0 else cnpj_from_base(f"{pk:08d}0001")
        # The days from today (or from this month) the vencimento lies, as clients.domain.status
        # says.
        days = rng.randint(1, max((today - first).days, 1) if status == Status.EXPIRED else 365)
        facts = facts_for(status, today, now, days=days)
        activated = product == Product.LINK and rng.random() >= NOT_ACTIVATED_SHARE
        code = None
        if product == Product.LINK:
            symbols = "".join(rng.choices(CODE_ALPHABET, k=20))
            code = (pk, "-".join(symbols[i : i + 5] for i in range(0, 20, 5)), activated)
        row = (
            pk,
            partner_id,
            f"{KINDS[rng.randrange(len(KINDS))]} {NAMES[rng.randrange(len(NAMES))]} {pk}",
            document,
            "",
            uf,
            city,
            product,
            today - datetime.timedelta(days=rng.randint(0, 2000)),
            facts["expires_on"],
            Renewal.BILLING if rng.random() < 0.2 else Renewal.MANUAL,
            facts.get("suspended_at"),
            facts.get("pending_since"),
            facts.get("pending_reason", ""),
            facts.get("hidden_at"),
            f"K{pk:012d}" if activated else None,
            f"4.{pk % 9}.{pk % 4}" if activated else "",
            now if activated else None,
            "",
            0,
            now,
            now,
        )
        return row, code

    # Measuring -------------------------------------------------------------------------------

    def _measure(self, requests):
        big = Partner.objects.get(code=f"{BENCH_PREFIX}0001")
        # The status tally as autovacuum keeps it on a live database (its visibility map set,
        # so that its sums are index-only scans): a database seeded before the tally existed
        # got all its rows at once from the migration, and autovacuum may not have come by.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) clients_statustally")
        # Início's "versão anterior" card needs a current version (the seed reports 4.0–4.8).
        if not LinkVersionSetting.objects.exists():
            LinkVersionSetting.objects.create(version="4.6", note="benchmark")
        sample = Client.objects.filter(partner=big, hidden_at__isnull=True).order_by("pk")[500]
        User = get_user_model()
        portal, admin = TestClient(), TestClient()
        portal.force_login(User.objects.get(username=BENCH_USER))
        admin.force_login(User.objects.get(username=BENCH_ADMIN))
        clients_url = reverse("clients:list")
        admin_url = reverse("admin:clients_client_changelist")
        search = "Padaria Estrela"
        pages = [
            ("Clientes, padrão (página 1, por nome)", portal, clients_url),
            *(
                (f"status={status.value}", portal, f"{clients_url}?status={status.value}")
                for status in Status
            ),
            (f"busca por nome “{search}”", portal, f"{clients_url}?q={search}"),
            ("busca por nome “Mercado” (1/8 dos clientes)", portal, f"{clients_url}?q=Mercado"),
            (
                "busca por CPF/CNPJ (com pontuação)",
                portal,
                f"{clients_url}?q={format_document(sample.cpf_cnpj)}",
            ),
            ("ordem por vencimento, decrescente", portal, f"{clients_url}?sort=-expires_on"),
            ("ordem por status", portal, f"{clients_url}?sort=status"),
            ("página 1.000", portal, f"{clients_url}?page=1000"),
            ("Início (cartões e gráficos)", portal, reverse("home")),
            ("Renovação (padrão, por vencimento)", portal, reverse("clients:renewals")),
            ("diálogo dos códigos não utilizados", portal, reverse("clients:registration-codes")),
            ("exportação CSV (lista inteira)", portal, f"{clients_url}?_export=csv"),
            ("admin: changelist do parceiro", admin, f"{admin_url}?partner__id__exact={big.pk}"),
            (
                f"admin: busca “{search}”",
                admin,
                f"{admin_url}?partner__id__exact={big.pk}&q={search}",
            ),
        ]
        floor_url = reverse("bench-clients-floor")
        # Each list variant is timed next to the floor (bench.views.clients_floor: the same
        # rows in a plain template loop) with the same query, in the same round.
        variants = [
            (
                label,
                _request(client, url),
                _request(client, floor_url + url[len(clients_url) :])
                if url.partition("?")[0] == clients_url and "_export" not in url
                else None,
            )
            for label, client, url in pages
        ]
        variants.insert(-2, (COUNTS, _counts(big), None))
        # The same counts over the partner's clients themselves, what the page would run
        # without the status tally (clients.tally): the tally's gain, measured in each round.
        variants.insert(-2, (COUNTS_UNTALLIED, _counts(big, tallied=False), None))
        total = Client.objects.filter(partner=big).count()
        self.stdout.write(
            f"\nMedindo o parceiro {big.code} ({_n(total)} clientes de "
            f"{_n(Client.objects.count())}): {requests} rodadas, cada uma passando por todas as "
            "variantes, cada variante da lista seguida do seu piso (a exportação, uma rodada em "
            f"quatro), após uma rodada de aquecimento. Carga da máquina no início: {_load()}."
        )
        samples = {label: [] for label, _, _ in variants}
        ratios = {label: [] for label, _, floor in variants if floor}
        with override_settings(**_served_as_production()):
            progress = ProgressBar(self.stdout, "medições", requests + 1)
            for round_ in range(requests + 1):
                for label, measure, floor in variants:
                    if "exportação" in label and round_ % 4 != 1:
                        continue
                    result = measure()
                    floor_result = floor() if floor else None
                    if round_:  # the first round only warms the caches
                        samples[label].append(result)
                        if floor_result:
                            ratios[label].append(result[0] / floor_result[0])
                progress.update_to(round_ + 1)
            progress.finish()
            peak = _export_memory(portal, f"{clients_url}?_export=csv")
        self.stdout.write(f"Carga da máquina no fim: {_load()}.\n")
        self.stdout.write(
            "| variante | p50 (ms) | p95 (ms) | SQL p50 (ms) | CPU Python p50 (ms) | consultas "
            "| × piso (mediana; mín–máx das rodadas) |"
        )
        self.stdout.write("|---|---:|---:|---:|---:|---:|---:|")
        for label, results in samples.items():
            wall, sql, cpu, queries = zip(*results, strict=True)
            ratio = ratios.get(label)
            shown = f"{_p50(ratio):.2f} ({min(ratio):.2f}–{max(ratio):.2f})" if ratio else "—"
            self.stdout.write(
                f"| {label} | {_p50(wall):.0f} | {_p95(wall):.0f} | {_p50(sql):.0f} | "
                f"{_p50(cpu):.0f} | {max(queries)} | {shown} |"
            )
        default, admin_page = samples[pages[0][0]], samples[pages[-2][0]]
        per_round = [ours[0] / theirs[0] for ours, theirs in zip(default, admin_page, strict=True)]
        self.stdout.write(
            f"\nClientes padrão / changelist do admin: {_p50(per_round):.2f}× (mediana das "
            f"rodadas; {min(per_round):.2f}–{max(per_round):.2f})."
        )
        self.stdout.write(
            f"\nExportação CSV ({_n(total)} clientes menos os ocultos): pico de memória Python "
            f"{peak / 2**20:.1f} MiB (tracemalloc)."
        )
        clientes, inicio = samples[pages[0][0]], samples["Início (cartões e gráficos)"]
        ratio = _p50([r[0] for r in inicio]) / _p50([r[0] for r in clientes])
        self.stdout.write(f"Início / Clientes padrão (p50): {ratio:.2f}×.")
        tallied, untallied = samples[COUNTS], samples[COUNTS_UNTALLIED]
        per_round = [t[0] / u[0] for t, u in zip(tallied, untallied, strict=True)]
        self.stdout.write(
            f"Contagens por status da tabela de contagens / sobre os clientes: "
            f"{_p50(per_round):.2f}× (mediana das rodadas; {min(per_round):.2f}–"
            f"{max(per_round):.2f})."
        )
        self._bulk_renewal(portal, big)

    def _bulk_renewal(self, portal, big, size=1000, rounds=3):
        """Renovar em lote (prévia + confirmação) of the ~`size` Ativo clients with Renovação
        manual that expire first, selected as a partner would: "selecionar todos os N que
        correspondem ao filtro" (status, renovação, vencimento até). Rolled back each round,
        so that re-runs measure the same data."""
        clients = Client.objects.filter(
            status_q(Status.ACTIVE), partner=big, renewal=Renewal.MANUAL
        )
        # From tomorrow (on the 1st the seed leaves a crowd due today), whole days up to ~size.
        start = timezone.localdate() + datetime.timedelta(days=1)
        per_day = (
            clients.filter(expires_on__gte=start)
            .order_by("expires_on")
            .values("expires_on")
            .annotate(count=Count("pk"))
        )
        selected, until = 0, start
        for row in per_day:
            selected, until = selected + row["count"], row["expires_on"]
            if selected >= size:
                break
        query = {
            "acao": "renovar",
            "todos": "1",
            "status": "ativo",
            "renovacao": Renewal.MANUAL,
            "vencimento_de": start.isoformat(),
            "vencimento_ate": until.isoformat(),
        }
        times = []
        immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
        with override_settings(**_served_as_production(), TASKS=immediate):
            for _ in range(rounds):
                with transaction.atomic():
                    started, cpu = time.perf_counter(), time.process_time()
                    with sql_timer() as sql:
                        preview = portal.get(reverse("clients:bulk-preview"), query)
                        previewed = time.perf_counter()
                        token = re.search(r'name="token" value="([^"]+)"', preview.text)[1]
                        # The job runs here, when the confirmation "commits" (in-process
                        # backend): the request and the work, as the worker would do it.
                        with TestCase.captureOnCommitCallbacks(execute=True):
                            portal.post(reverse("clients:bulk-confirm"), {"token": token})
                    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                    renewed = ClientEvent.objects.filter(
                        action="renovar", client__partner=big
                    ).count()
                    if renewed != selected:
                        raise CommandError(
                            f"a renovação em lote renovou {renewed} de {selected} clientes"
                        )
                    times.append((previewed - started, elapsed, sql["time"], cpu, sql["queries"]))
                    transaction.set_rollback(True)
        preview_s, total_s, sql_s, cpu_s, queries = (
            statistics.median(values) for values in zip(*times, strict=True)
        )
        self.stdout.write(
            f"Renovar em lote {_n(selected)} clientes (mediana de {rounds}): prévia "
            f"{preview_s:.2f} s, prévia + confirmação {total_s:.2f} s (SQL {sql_s:.2f} s, "
            f"CPU Python {cpu_s:.2f} s), {queries:.0f} consultas."
        )


def _served_as_production():
    """DEBUG off, as in production; static files without collectstatic's manifest."""
    return {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["testserver"],
        "STORAGES": {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    }


def _request(client, url):
    """One GET of `url`: (server time, SQL time, Python CPU time) in ms, and the queries."""

    def measure():
        with sql_timer() as sql:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            if response.streaming:
                for _ in response.streaming_content:
                    pass
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        if response.status_code != 200:
            raise CommandError(f"{url} respondeu {response.status_code}")
        return elapsed * 1000, sql["time"] * 1000, cpu * 1000, sql["queries"]

    return measure


def _counts(partner, tallied=True):
    """The status counts' query alone, as the list page runs it without a filter other than
    the status: over the partner's status tally (clients.tally), or (`tallied` false) over the
    partner's clients, one aggregate over their entries in the index on (partner, vencimento)
    that INCLUDEs the flags."""
    request = type("Request", (), {"partner": partner})()

    def counts():
        if tallied:
            return status_counts(partner_tally(request), count=count_tallied)
        return status_counts(Client.objects.filter(partner=partner))

    def measure():
        with sql_timer() as sql:
            started, cpu = time.perf_counter(), time.process_time()
            counts()
            elapsed = time.perf_counter() - started
            cpu = time.process_time() - cpu
        return elapsed * 1000, sql["time"] * 1000, cpu * 1000, sql["queries"]

    return measure


def _export_memory(client, url):
    tracemalloc.start()
    response = client.get(url)
    for _ in response.streaming_content:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def _load():
    return "load average " + " / ".join(f"{value:.2f}" for value in os.getloadavg())


def _n(number):
    """1000000 -> '1.000.000' (pt-BR)."""
    return f"{number:,}".replace(",", ".")


@contextmanager
def sql_timer():
    totals = {"time": 0.0, "queries": 0}

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            totals["time"] += time.perf_counter() - started
            totals["queries"] += 1

    with connection.execute_wrapper(wrapper):
        yield totals


def _p50(values):
    return statistics.median(values)


def _p95(values):
    if len(values) < 2:
        return max(values)
    return statistics.quantiles(values, n=20, method="inclusive")[18]
