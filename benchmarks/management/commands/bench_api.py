"""Benchmark of the check-in (POST /api/v1/verificacao), the API's hot path.

A benchmark, not a test (`make bench-api`, README "API de licenças → Desempenho"): on
PostgreSQL, it seeds a partner with `--clients` activated Link clients (once), starts gunicorn
on loopback twice — straight to PostgreSQL, and through a PgBouncer in transaction mode that
it starts (DATABASE_POOLER=transaction) — and drives them with wrk: rounds that alternate the
floor — GET /api/v1/chave-publica, a trivial JSON view (no database, a cached body) through
the same middleware — verificacao with random keys of `--keys` seeded clients (checking in
again and again, as a fleet does) on each, and the reference SELECT 1 view. It prints
requests per second, latency percentiles, CPU per request, memory per worker, the database
writes per check-in (pg_stat_user_tables on clients_client) and how long a suspension made
through the portal's write path takes to reach a check-in on each server, and the verdict
against the targets (≥ 50 % of the floor's req/s direct and through PgBouncer, p99 ≤ 25 ms,
a suspension seen within 1 s, ≤ 0.25 writes per check-in).
"""

import datetime
import itertools
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from clients.domain.codes import new_license_key
from clients.domain.documents import cnpj_from_base
from clients.domain.status import Status, client_status
from clients.models import Client, License, Module, Product
from clients.services import client_suspend, client_unsuspend
from licenses.signing import private_key_pem
from partners.models import Partner
from tests.servers import database_url, pgbouncer, post_json

PARTNER_CODE = "bench-api"
VERSION = "4.0.0"  # what the seeded clients run: a check-in usually reports no change
BATCH = 5_000
# The budget (see the module's docstring).
MIN_SHARE_OF_FLOOR = 0.50
MAX_P99_MS = 25
MAX_SUSPENSION_REACH_S = 1.0
MAX_WRITES_PER_CHECK_IN = 0.25
SUSPENSIONS = 5  # per server; the slowest counts

FLOOR_LUA = """
wrk.method = "GET"
wrk.path = "/api/v1/chave-publica"
"""

# A reference, not a target: the floor plus one round trip to the database (bench.views.select_1).
DATABASE_FLOOR_LUA = """
wrk.method = "GET"
wrk.path = "/api/v1/bench/select-1"
"""

CHECK_IN_LUA = """
local keys = {%(keys)s}
math.randomseed(%(seed)d)
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local body = '{"chave":"' .. keys[math.random(#keys)] .. '","versao":"%(version)s"}'
  return wrk.format(nil, "/api/v1/verificacao", nil, body)
end
"""

# The summary wrk prints after each run, for every run (it has no machine-readable output).
DONE_LUA = """
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%d seconds=%.3f non2xx=%d errors=%d "
    .. "p50=%.3f p90=%.3f p99=%.3f max=%.3f\\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""

RESULT = re.compile(r"BENCH (.*)")


class Command(BaseCommand):
    help = "Benchmark de POST /api/v1/verificacao sob gunicorn (PostgreSQL), ao lado do piso."

    def add_arguments(self, parser):
        parser.add_argument("--clients", type=int, default=100_000)
        parser.add_argument("--workers", type=int, default=3, help="workers do gunicorn")
        parser.add_argument("--threads", type=int, default=1, help="threads por worker")
        parser.add_argument("--connections", type=int, default=16, help="conexões do wrk")
        parser.add_argument("--duration", type=int, default=5, help="segundos por rodada")
        parser.add_argument("--rounds", type=int, default=5, help="rodadas de cada lado")
        parser.add_argument("--port", type=int, default=8050)
        parser.add_argument("--keys", type=int, default=5_000, help="instalações que verificam")
        parser.add_argument("--seed-only", action="store_true", help="só cria os clientes")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark roda em PostgreSQL: defina DATABASE_URL.")
        if not options["seed_only"] and not shutil.which("wrk"):
            raise CommandError(
                "wrk não encontrado (apt-get install wrk; `make bench-api` instala)."
            )
        self.seed(options["clients"])
        # What autovacuum does to a live table sooner or later, at once: the freshly copied
        # rows get their visibility and hint bits set here, not by the first check-ins to read
        # them (which would also have to write those pages out). A no-op when done already.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) clients_client, clients_license")
        if options["seed_only"]:
            return
        keys = list(
            Client.objects.filter(partner__code=PARTNER_CODE)
            .order_by("?")
            .values_list("license_key", flat=True)[: options["keys"]]
        )
        database = connection.settings_dict
        with (
            tempfile.TemporaryDirectory() as scratch,
            pgbouncer(database, pool_size=options["workers"] * options["threads"]) as bouncer,
        ):
            scripts = self.write_scripts(Path(scratch), keys, options["port"])
            self.servers = {}
            direct = database_url(database)
            pooled = database_url(database, host="127.0.0.1", port=bouncer)
            try:
                for port, url, pooler in (
                    (options["port"], direct, ""),
                    (options["port"] + 1, pooled, "transaction"),
                ):
                    self.servers[port] = self.start_gunicorn(options, port, url, pooler)
                self.run_rounds(scripts, options, keys)
            finally:
                for server in self.servers.values():
                    os.killpg(server.pid, signal.SIGTERM)
                    server.wait(timeout=30)

    def seed(self, wanted: int):
        partner, _ = Partner.objects.get_or_create(
            code=PARTNER_CODE, defaults={"name": "Benchmark da API"}
        )
        have = partner.clients.count()
        if have >= wanted:
            self.stdout.write(f"{have} clientes de benchmark já existem.")
            return
        started = time.monotonic()
        today = timezone.localdate()
        rng = random.Random(have)
        now = timezone.now()
        for start in range(have, wanted, BATCH):
            with transaction.atomic():
                clients = Client.objects.bulk_create(
                    self.client(partner, number, today, now, rng)
                    for number in range(start, min(start + BATCH, wanted))
                )
                License.objects.bulk_create(
                    License(client=client, module=Module.MAIN, quantity=rng.randint(1, 5))
                    for client in clients
                )
        elapsed = time.monotonic() - started
        self.stdout.write(f"{wanted - have} clientes de benchmark criados em {elapsed:.0f} s.")

    @staticmethod
    def client(partner, number, today, now, rng):
        # Mostly active clients, as in real life; some suspended, expired or inactive.
        roll = rng.random()
        expires_on = today + datetime.timedelta(days=rng.randint(0, 330))
        if roll > 0.95:
            expires_on = today.replace(day=1) - datetime.timedelta(days=rng.randint(1, 300))
        return Client(
            partner=partner,
            name=f"Cliente de benchmark {number}",
            cpf_cnpj=cnpj_from_base(f"{number:08d}0001"),
            uf="SP",
            city="São Paulo",
            product=Product.LINK,
            expires_on=expires_on,
            suspended_at=now if 0.9 < roll <= 0.95 else None,
            license_key=new_license_key(),
            link_version=VERSION,
            last_seen_at=now,
        )

    @staticmethod
    def write_scripts(folder: Path, keys: list[str], port: int) -> dict[str, tuple[Path, int]]:
        """The rounds' scripts by name, with the port of the server each one drives."""
        check_in = CHECK_IN_LUA % {
            "keys": ",".join(f'"{key}"' for key in keys),
            "seed": secrets.randbelow(2**31),
            "version": VERSION,
        }
        scripts = {
            "piso (GET chave-publica)": (FLOOR_LUA, port),
            "verificacao": (check_in, port),
            "verificacao via PgBouncer": (check_in, port + 1),
            "referência: SELECT 1": (DATABASE_FLOOR_LUA, port),
        }
        paths = {}
        for index, (name, (body, server)) in enumerate(scripts.items()):
            paths[name] = (folder / f"script{index}.lua", server)
            paths[name][0].write_text(body + DONE_LUA)
        return paths

    def start_gunicorn(self, options, port: int, database_url: str, pooler: str):
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "LICENSE_SIGNING_KEY": private_key_pem(Ed25519PrivateKey.generate()),
            "ALLOWED_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_url,
            "DATABASE_POOLER": pooler,
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn),
            "portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            f"--workers={options['workers']}",
            f"--threads={options['threads']}",
            "--log-level=warning",
        ]
        self.stdout.write(" ".join(command[1:]) + f" (DATABASE_POOLER={pooler or '-'})")
        server = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, start_new_session=True)
        url = f"http://127.0.0.1:{port}/api/v1/chave-publica"
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=1):
                    return server
            except OSError:
                if server.poll() is not None:
                    raise CommandError("gunicorn não subiu.") from None
                time.sleep(0.2)
        os.killpg(server.pid, signal.SIGTERM)
        raise CommandError("gunicorn não respondeu em 20 s.")

    def server_cpu(self) -> dict[tuple[str, int], float]:
        """CPU seconds used so far by each gunicorn process ("app") and each PostgreSQL
        backend serving it ("db"), from /proc: the server and the database run here."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            backends = [pid for (pid,) in cursor.fetchall()]
        pids = [*(("app", pid) for pid in self.gunicorn_pids()), *(("db", pid) for pid in backends)]
        return {
            (side, pid): seconds for side, pid in pids if (seconds := cpu_seconds(pid)) is not None
        }

    def gunicorn_pids(self, port: int | None = None) -> list[int]:
        """The arbiter and workers of one server, or of all."""
        pids = []
        for server_port, server in self.servers.items():
            if port in (None, server_port):
                children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
                pids += [server.pid, *map(int, children.read_text().split())]
        return pids

    def worker_memory(self, port: int) -> float:
        """The median resident memory of a server's workers, in MiB."""
        arbiter = self.servers[port].pid
        sizes = []
        for pid in self.gunicorn_pids(port):
            if pid != arbiter:
                status = Path(f"/proc/{pid}/status").read_text()
                sizes.append(int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024)
        return statistics.median(sizes)

    @staticmethod
    def client_writes() -> int:
        """Rows of clients_client updated so far (the statistics reach the view within ~1 s)."""
        time.sleep(2)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = %s",
                [Client._meta.db_table],
            )
            return cursor.fetchone()[0]

    def wrk(self, script: tuple[Path, int], options, duration: int) -> dict:
        script, port = script
        before = self.server_cpu()
        command = [
            "wrk",
            "--threads=1",
            f"--connections={options['connections']}",
            f"--duration={duration}s",
            "--timeout=5s",
            f"--script={script}",
            f"http://127.0.0.1:{port}",
        ]
        output = subprocess.run(
            command, capture_output=True, text=True, check=True, timeout=duration + 30
        ).stdout
        match = RESULT.search(output)
        if not match:
            raise CommandError(f"Saída do wrk inesperada:\n{output}")
        result = {k: float(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
        if result["non2xx"] or result["errors"]:
            raise CommandError(f"Respostas com erro no benchmark:\n{output}")
        result["rps"] = result["requests"] / result["seconds"]
        after = self.server_cpu()
        # Processes that ended during the run are missed; new ones count from zero.
        for side in ("app", "db"):
            used = sum(
                seconds - before.get(key, 0.0) for key, seconds in after.items() if key[0] == side
            )
            result[f"cpu_{side}_ms"] = used * 1000 / result["requests"]
        result["cpu_ms"] = result["cpu_app_ms"] + result["cpu_db_ms"]
        result["memory_mib"] = self.worker_memory(port)
        return result

    def suspension_reach(self, keys: list[str], port: int) -> float:
        """The slowest of SUSPENSIONS waits, in seconds, from a suspension committed by the
        portal's write path to the first check-in on `port` that answers `suspenso`; each
        client gets its access back afterwards (the seed stays as it was)."""
        today = timezone.localdate()
        candidates = Client.objects.filter(license_key__in=keys, suspended_at=None).iterator()
        active = list(
            itertools.islice(
                (client for client in candidates if client_status(client, today) == Status.ACTIVE),
                SUSPENSIONS,
            )
        )
        base = f"http://127.0.0.1:{port}"
        waits = []
        for client in active:
            body = {"chave": client.license_key, "versao": VERSION}
            client_suspend(client=client, by=None)
            started = time.monotonic()
            while post_json(base, "verificacao", body)[1]["status"] != "suspenso":
                if time.monotonic() - started > 10:
                    break
            waits.append(time.monotonic() - started)
            client_unsuspend(client=client, by=None)
        return max(waits)

    def run_rounds(self, scripts: dict[str, tuple[Path, int]], options, keys: list[str]):
        for script in scripts.values():  # warm up: connections, caches, PostgreSQL buffers
            self.wrk(script, options, duration=3)
        results = {name: [] for name in scripts}
        writes = self.client_writes()
        for number in range(1, options["rounds"] + 1):
            for name, script in scripts.items():
                result = self.wrk(script, options, options["duration"])
                results[name].append(result)
                self.stdout.write(
                    f"rodada {number} {name:<26} {result['rps']:7.0f} req/s  "
                    f"p50 {result['p50']:5.1f} ms  p99 {result['p99']:5.1f} ms  "
                    f"CPU {result['cpu_app_ms']:.2f} + {result['cpu_db_ms']:.2f} ms/req  "
                    f"{result['memory_mib']:.0f} MiB/worker"
                )
        # Only the check-ins write clients_client (the bench's database is its own): the rows
        # updated over the rounds, per check-in of both servers. PostgreSQL's statistics reach
        # the view up to a second or so after the write, so this is taken over the whole run,
        # not per round.
        writes = self.client_writes() - writes
        check_ins = sum(run["requests"] for name in list(scripts)[1:3] for run in results[name])
        reach = {name: self.suspension_reach(keys, scripts[name][1]) for name in list(scripts)[1:3]}
        self.report(results, options, writes / check_ins, reach)

    def report(self, results, options, writes: float, reach: dict[str, float]):
        """Medians over the rounds; the ratio is taken round by round (floor and verificacao
        ran back to back, under the same load), then its median."""
        floor_name, check_in_name, pooled_name, _ = results
        summary = {
            name: {
                "rps": statistics.median(r["rps"] for r in runs),
                "p50": statistics.median(r["p50"] for r in runs),
                "p90": statistics.median(r["p90"] for r in runs),
                "p99": statistics.median(r["p99"] for r in runs),
                "worst": max(r["p99"] for r in runs),
                "cpu_ms": statistics.median(r["cpu_ms"] for r in runs),
                "cpu_app_ms": statistics.median(r["cpu_app_ms"] for r in runs),
                "cpu_db_ms": statistics.median(r["cpu_db_ms"] for r in runs),
                "memory_mib": max(r["memory_mib"] for r in runs),
            }
            for name, runs in results.items()
        }
        ratios = {
            name: [
                run["rps"] / floor["rps"]
                for floor, run in zip(results[floor_name], runs, strict=True)
            ]
            for name, runs in results.items()
        }
        self.stdout.write("")
        self.stdout.write(
            f"{options['clients']} clientes; gunicorn {options['workers']} workers × "
            f"{options['threads']} threads; wrk 1 thread, {options['connections']} conexões; "
            f"{options['rounds']} rodadas de {options['duration']} s de cada (medianas)"
        )
        self.stdout.write("")
        self.stdout.write(
            "| endpoint | req/s | ÷ piso | p50 | p90 | p99 | pior p99 | CPU/req (app + banco) "
            "| memória/worker |"
        )
        self.stdout.write("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for name, row in summary.items():
            self.stdout.write(
                f"| {name} | {row['rps']:.0f} | {statistics.median(ratios[name]):.0%} "
                f"| {row['p50']:.1f} ms | {row['p90']:.1f} ms "
                f"| {row['p99']:.1f} ms | {row['worst']:.1f} ms "
                f"| {row['cpu_ms']:.2f} ms ({row['cpu_app_ms']:.2f} + {row['cpu_db_ms']:.2f}) "
                f"| {row['memory_mib']:.0f} MiB |"
            )
        self.stdout.write("")
        for name in (check_in_name, pooled_name):
            ratio = statistics.median(ratios[name])
            p99 = summary[name]["p99"]
            met = (
                ratio >= MIN_SHARE_OF_FLOOR
                and p99 <= MAX_P99_MS
                and reach[name] <= MAX_SUSPENSION_REACH_S
                and writes <= MAX_WRITES_PER_CHECK_IN
            )
            self.stdout.write(
                f"{name}/piso por rodada: {', '.join(f'{r:.0%}' for r in ratios[name])}; "
                f"mediana {ratio:.0%} (meta ≥ {MIN_SHARE_OF_FLOOR:.0%}); "
                f"p99 {p99:.1f} ms (meta ≤ {MAX_P99_MS} ms); "
                f"suspensão vista em {reach[name] * 1000:.0f} ms "
                f"(meta ≤ {MAX_SUSPENSION_REACH_S * 1000:.0f} ms); "
                f"{writes:.3f} escritas/verificação (meta ≤ {MAX_WRITES_PER_CHECK_IN}): "
                + ("OK" if met else "ABAIXO DA META")
            )
        cpu_ratio = summary[floor_name]["cpu_ms"] / summary[check_in_name]["cpu_ms"]
        self.stdout.write(
            f"CPU do servidor (gunicorn + PostgreSQL) por requisição: piso/verificacao = "
            f"{cpu_ratio:.0%} — a razão de vazão numa máquina sem outra carga"
        )


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
