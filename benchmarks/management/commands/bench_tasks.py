"""manage.py bench_tasks (make bench-tasks): what running work as a job costs, on PostgreSQL in
a database of its own (docs/performance.md).

1. Queueing: `jobs.running.submit` and its commit — the job's row, and on commit the task
   backend's row (django-tasks-db) — what a request pays to start a job, `--queue` times.
2. A `--rows` import through the portal next to `manage.py import_clients`: each round, the
   command imports a file into a new partner (a process of its own, as ops run it), then the
   portal takes a file of the same size and shape for another new partner — upload and
   preview in the request (Django's test client), then, confirmed, the import in a real
   `db_worker` already waiting — timed from the confirmation to the job's end. The files
   differ only in their clients' numbers (the same file twice would make the second import
   find another partner's clients, and turn them Pendente).
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client as TestClient
from django.test.utils import override_settings
from django.urls import reverse

from benchmarks.management.commands.bench_clients import _load, _n, _served_as_production
from benchmarks.management.commands.bench_import import clients_csv
from jobs.models import Job, State
from jobs.running import job_key, submit
from partners.models import Partner, PartnerUser, Role

PREFIX = "bench-tasks"
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
MANAGE = Path(__file__).resolve().parents[3] / "manage.py"


class Command(BaseCommand):
    help = "Mede o custo de uma tarefa: enfileirar e importar 100.000 linhas pelo portal."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--rounds", type=int, default=2)
        parser.add_argument("--queue", type=int, default=50, help="tarefas enfileiradas")

    def handle(self, *args, rows, rounds, queue, **options):
        if connection.vendor != "postgresql":
            raise CommandError("O benchmark precisa de PostgreSQL: defina DATABASE_URL.")
        if Partner.objects.exclude(code__startswith=PREFIX).exists():
            raise CommandError("Use um banco só para este benchmark (make bench-tasks).")
        self.stdout.write(f"{_load()}.")
        with override_settings(TASKS=DATABASE_TASKS):
            self.queueing(queue)
            self.imports(rows, rounds)

    def partner(self, name: str):
        stamp = f"{time.time_ns()}"[-9:]
        partner = Partner.objects.create(code=f"{PREFIX}-{name}-{stamp}", name=f"Bench {name}")
        user = get_user_model().objects.create_user(f"{PREFIX}-{name}-{stamp}")
        PartnerUser.objects.create(user=user, partner=partner, role=Role.ADMIN)
        return partner, user

    def queueing(self, count: int):
        from django_tasks_db.models import DBTaskResult

        partner, user = self.partner("fila")
        times = []
        for number in range(count):
            started = time.perf_counter()
            with transaction.atomic():
                job, _ = submit(
                    partner=partner,
                    user=user,
                    kind="bench",
                    title="benchmark",
                    task_path="clients.tasks.apply_bulk",
                    key=job_key("bench", partner.pk, number),
                )
            times.append((time.perf_counter() - started) * 1000)
        results = list(Job.objects.filter(partner=partner).values_list("task_result_id", flat=True))
        assert all(results), "every job reached the task queue"
        DBTaskResult.objects.filter(id__in=results).delete()
        Job.objects.filter(partner=partner).delete()
        times.sort()
        self.stdout.write(
            f"\nEnfileirar uma tarefa (linha da tarefa + linha da fila, no commit), {count}×: "
            f"p50 {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms, "
            f"máx {times[-1]:.1f} ms."
        )

    def imports(self, rows: int, rounds: int):
        environment = {**os.environ}
        command, web, preview = [], [], []
        with tempfile.TemporaryDirectory() as folder, self.worker(environment):
            for round_ in range(rounds):
                first = (time.time_ns() // 1000) % 10**7 * 10
                partner, _ = self.partner(f"comando{round_}")
                path = Path(folder) / f"clientes-{round_}.csv"
                path.write_bytes(clients_csv(first, rows))
                started = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        str(MANAGE),
                        "import_clients",
                        "--partner",
                        partner.code,
                        str(path),
                        "-v0",
                    ],
                    check=True,
                    env=environment,
                    stderr=subprocess.DEVNULL,
                )
                command.append(time.perf_counter() - started)
                partner, user = self.partner(f"portal{round_}")
                data = clients_csv(first + rows, rows)
                seconds, previewed = self.through_the_portal(user, data)
                web.append(seconds)
                preview.append(previewed)
                self.stdout.write(
                    f"rodada {round_ + 1}: comando {command[-1]:.1f} s; portal: prévia "
                    f"{previewed:.1f} s, confirmação → fim {seconds:.1f} s "
                    f"({seconds / command[-1]:.2f}×)"
                )
        ratio = statistics.median(w / c for w, c in zip(web, command, strict=True))
        self.stdout.write(
            f"\nImportação de {_n(rows)} linhas (mediana de {rounds}): comando "
            f"{statistics.median(command):.1f} s; portal, da confirmação ao fim "
            f"{statistics.median(web):.1f} s = {ratio:.2f}× o comando (meta ≤ 1,2×); "
            f"envio e prévia {statistics.median(preview):.1f} s. {_load()}."
        )

    def through_the_portal(self, user, data: bytes) -> tuple[float, float]:
        portal = TestClient()
        portal.force_login(user)
        with override_settings(**_served_as_production(), TASKS=DATABASE_TASKS):
            started = time.perf_counter()
            upload = SimpleUploadedFile("clientes.csv", data)
            response = portal.post(reverse("clients:import"), {"arquivo": upload})
            if response.status_code != 302:
                raise CommandError(f"o envio respondeu {response.status_code}")
            page = portal.get(response.url)
            previewed = time.perf_counter() - started
            if "Confirmar a importação" not in page.text:
                raise CommandError("a prévia não permite importar o arquivo")
            job = Job.objects.get(pk=response.url.rstrip("/").rsplit("/", 1)[-1])
            started = time.perf_counter()
            portal.post(reverse("clients:import-confirm", args=[job.pk]))
            while True:
                job.refresh_from_db()
                if job.state in (State.DONE, State.FAILED):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        if job.state != State.DONE:
            raise CommandError(f"a importação pelo portal falhou: {job.error}")
        return elapsed, previewed

    class worker:
        """A `db_worker` for the rounds, started before them (its start-up is not timed)."""

        def __init__(self, environment):
            self.environment = environment

        def __enter__(self):
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    str(MANAGE),
                    "db_worker",
                    "--no-reload",
                    "--interval",
                    "1",
                    "--no-startup-delay",
                    "-v0",
                ],
                env=self.environment,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(3)
            return self.process

        def __exit__(self, *exc):
            self.process.terminate()
            self.process.wait(timeout=60)
