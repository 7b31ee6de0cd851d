"""manage.py bench_activity: Atividade with 1,000,000 history events (PostgreSQL), each
variant timed next to the Clientes floor page in the same round (docs/performance.md).

Needs the database `bench_clients` seeded (make bench BENCH_ARGS=--seed-only); adds the
events once (re-runs reuse them; --reseed drops and adds them again): --events over a year,
--share of them (a tenth by default, as it has a tenth of the clients) on the measured
partner's clients, a fifth of those by its user."""

import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.urls import reverse

from benchmarks.management.commands.bench_clients import (
    BENCH_PREFIX,
    BENCH_USER,
    _load,
    _n,
    _p50,
    _p95,
    _request,
    _served_as_production,
)
from clients.models import Client, ClientEvent
from partners.models import Partner, PartnerUser, Role
from portal.progress import ProgressBar

ACTIONS = ["renovar", "editar", "suspender", "cancelar-suspensao", "cadastrar", "ocultar"]


class Command(BaseCommand):
    help = "Mede a Atividade com 1.000.000 de eventos ao lado do piso da tela Clientes."

    def add_arguments(self, parser):
        parser.add_argument("--events", type=int, default=1_000_000)
        parser.add_argument(
            "--share", type=float, default=0.1, help="fração dos eventos no parceiro medido"
        )
        parser.add_argument("--requests", type=int, default=10)
        parser.add_argument("--reseed", action="store_true")

    def handle(self, *args, events, share, requests, reseed, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark precisa de PostgreSQL: defina DATABASE_URL.")
        big = Partner.objects.filter(code=f"{BENCH_PREFIX}0001").first()
        if big is None:
            raise CommandError("Semeie antes: make bench BENCH_ARGS=--seed-only.")
        user = get_user_model().objects.get(username=BENCH_USER)
        # The measured user sees the whole team's events.
        PartnerUser.objects.filter(user=user).update(role=Role.ADMIN)
        if reseed or ClientEvent.objects.count() != events:
            self._seed(big, user, events, share)
        self._measure(big, user, requests)

    def _seed(self, big, user, events, share):
        started = time.perf_counter()
        mine = int(events * share)
        self.stdout.write(f"Semeando {_n(events)} eventos ({_n(mine)} do parceiro medido)…")
        table = ClientEvent._meta.db_table
        count = Client.objects.filter(partner=big).count()
        others = Client.objects.exclude(partner=big).count()
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {table}")
            template = """
                INSERT INTO {table} (partner_id, client_id, origin, actor_id, actor_label, action,
                                     at, before, after, note)
                SELECT c.partner_id, c.id,
                       CASE WHEN g % 5 = 0 THEN 'portal' ELSE 'importacao' END,
                       CASE WHEN g % 5 = 0 AND c.partner_id = %(big)s THEN %(user)s END,
                       CASE WHEN g % 5 = 0 THEN %(name)s ELSE 'importação' END,
                       CASE WHEN g % 2000 = 7 THEN 'rejeitar'
                            ELSE (%(actions)s::text[])[1 + g % {actions}] END,
                       now() - (g * interval '31 seconds'),
                       '{{"expires_on": "2026-01-10", "status": "expirado"}}',
                       '{{"expires_on": "2026-02-10", "status": "ativo"}}', ''
                FROM generate_series(%(start)s, %(stop)s) AS g
                JOIN (
                    SELECT id, partner_id, row_number() OVER (ORDER BY id) - 1 AS n
                    FROM clients_client WHERE {where}
                ) AS c ON c.n = g % %(count)s
            """.replace(" % ", " %% ")  # the modulo, not a placeholder
            common = {"big": big.pk, "user": user.pk, "name": user.username, "actions": ACTIONS}
            cursor.execute(
                template.format(table=table, where="partner_id = %(big)s", actions=len(ACTIONS)),
                {**common, "start": 1, "stop": mine, "count": count},
            )
            if events > mine:
                cursor.execute(
                    template.format(
                        table=table, where="partner_id <> %(big)s", actions=len(ACTIONS)
                    ),
                    {**common, "start": mine + 1, "stop": events, "count": others},
                )
            cursor.execute(f"VACUUM (ANALYZE) {table}")
        self.stdout.write(f"Eventos semeados em {time.perf_counter() - started:.0f} s.")

    def _measure(self, big, user, requests):
        portal = TestClient()
        portal.force_login(user)
        url = reverse("clients:activity")
        sample = Client.objects.filter(partner=big).order_by("pk")[500]
        today = time.strftime("%Y-%m-%d")
        week_ago = time.strftime("%Y-%m-%d", time.localtime(time.time() - 7 * 86400))
        pages = [
            ("Atividade, padrão (página 1)", ""),
            ("membro", f"?membro={user.pk}"),
            ("cliente (ID)", f"?cliente={sample.pk}"),
            ("cliente (nome “Padaria Estrela”)", "?cliente=Padaria+Estrela"),
            ("ação comum (renovar)", "?acao=renovar"),
            ("ação rara (rejeitar)", "?acao=rejeitar"),
            ("período (últimos 7 dias)", f"?de={week_ago}&ate={today}"),
            ("página 100", "?page=100"),
        ]
        floor = _request(portal, reverse("bench-clients-floor"))
        variants = [(label, _request(portal, url + query)) for label, query in pages]
        total = ClientEvent.objects.filter(partner=big).count()
        self.stdout.write(
            f"\nMedindo a Atividade do parceiro {big.code} ({_n(total)} eventos de "
            f"{_n(ClientEvent.objects.count())}): {requests} rodadas, cada variante seguida do "
            f"piso da tela Clientes (página padrão), após uma rodada de aquecimento. {_load()}."
        )
        samples = {label: [] for label, _ in variants}
        ratios = {label: [] for label, _ in variants}
        with override_settings(**_served_as_production()):
            progress = ProgressBar(self.stdout, "medições", requests + 1)
            for round_ in range(requests + 1):
                for label, measure in variants:
                    result, floor_result = measure(), floor()
                    if round_:
                        samples[label].append(result)
                        ratios[label].append(result[0] / floor_result[0])
                progress.update_to(round_ + 1)
            progress.finish()
        self.stdout.write(f"{_load()} no fim.\n")
        self.stdout.write(
            "| variante | p50 (ms) | p95 (ms) | SQL p50 (ms) | CPU Python p50 (ms) | consultas "
            "| × piso Clientes (mediana; mín–máx) |"
        )
        self.stdout.write("|---|---:|---:|---:|---:|---:|---:|")
        for label, results in samples.items():
            wall, sql, cpu, queries = zip(*results, strict=True)
            ratio = ratios[label]
            self.stdout.write(
                f"| {label} | {_p50(wall):.0f} | {_p95(wall):.0f} | {_p50(sql):.0f} | "
                f"{_p50(cpu):.0f} | {max(queries)} | "
                f"{_p50(ratio):.2f} ({min(ratio):.2f}–{max(ratio):.2f}) |"
            )
