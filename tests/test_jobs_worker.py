"""Jobs in a real worker process on PostgreSQL: `manage.py db_worker` (django-tasks-db) as a
subprocess against the test database, the web side through Django's test client with the
database backend, every transaction committed (as in production).

A worker killed (SIGKILL) in the middle of a bulk action leaves every client either applied
and reported or untouched; its job shows as failed once its heartbeat is stale; "Tentar
novamente" runs it once more — only the clients left — however often it is clicked.
"""

import psycopg
import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clients.domain.status import Status
from clients.models import Client, ClientEvent
from clients.services.bulk import CHUNK_SIZE
from jobs import running
from jobs.models import Job, JobLine, State
from tests.servers import database_url, kill_worker, task_worker, wait_until
from tests.test_bulk import token_of

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def db_tasks(settings):
    """The web side enqueues into the database, as in production; a job is stale after 3 s."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    settings.JOB_STALE_SECONDS = 3


def suspend_in_bulk(client, clients) -> Job:
    preview = client.get(
        reverse("clients:bulk-preview"), {"acao": "suspender", "id": [c.pk for c in clients]}
    )
    assert len(preview.context["preview"].allowed) == len(clients)
    response = client.post(reverse("clients:bulk-confirm"), {"token": token_of(preview)})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    return job


def test_a_bulk_action_runs_in_the_worker_and_its_page_shows_each_client(
    client, partner_a, partner_a_user, make_client_in, db_tasks
):
    clients = [make_client_in(partner_a, Status.ACTIVE, name=f"Loja {n}") for n in range(3)]
    client.force_login(partner_a_user)
    job = suspend_in_bulk(client, clients)
    # Queued, with the backend's row committed with it; nothing applied by the request.
    assert job.state == State.QUEUED
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "READY"
    assert not ClientEvent.objects.exists()

    with task_worker(database_url(connection.settings_dict)):
        wait_until(lambda: Job.objects.get().state == State.DONE, what="the job to finish")

    job.refresh_from_db()
    assert (job.done, job.total, job.attempt) == (3, 3, 1)
    assert DBTaskResult.objects.get(id=job.task_result_id).status == "SUCCESSFUL"
    for target in clients:
        assert Client.objects.get(pk=target.pk).suspended_at is not None
        assert ClientEvent.objects.filter(client=target, action="suspender").count() == 1
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert "3</strong> clientes alterados" in page.text
    for target in clients:
        assert f"{target.name}</strong>: Suspenso" in page.text


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_job_leaves_nothing_half_written_and_a_retry_finishes_it_once(
    client, partner_a, partner_a_user, make_client_in, db_tasks
):
    clients = [make_client_in(partner_a, Status.ACTIVE) for _ in range(CHUNK_SIZE + 10)]
    pks = sorted(c.pk for c in clients)
    client.force_login(partner_a_user)
    job = suspend_in_bulk(client, clients)
    url = database_url(connection.settings_dict)

    # Another transaction holds a client of the second chunk: the worker commits the first
    # chunk, then waits inside the second one's transaction — where it is killed.
    blocker = psycopg.connect(url.replace("postgres://", "postgresql://"))
    blocker.execute("SELECT id FROM clients_client WHERE id = %s FOR UPDATE", [pks[-3]])
    try:
        with task_worker(url) as worker:
            wait_until(
                lambda: JobLine.objects.count() == CHUNK_SIZE and _waiting_on_a_lock(),
                what="the worker to wait inside the second chunk",
            )
            kill_worker(worker)
    finally:
        blocker.rollback()
        blocker.close()

    # Nothing half-written: the first chunk applied and reported, the rest untouched.
    reported = set(JobLine.objects.values_list("subject_id", flat=True))
    assert reported == set(pks[:CHUNK_SIZE])
    suspended = set(Client.objects.filter(suspended_at__isnull=False).values_list("pk", flat=True))
    assert suspended == reported
    assert ClientEvent.objects.filter(action="suspender").count() == CHUNK_SIZE
    assert set(
        Client.objects.filter(pk__in=pks[CHUNK_SIZE:]).values_list("version", flat=True)
    ) == {0}
    assert Job.objects.get().state == State.RUNNING  # as the dead worker left it

    # Its heartbeat stops: the page shows it failed, and the backend's row too.
    page = wait_until(
        lambda: (
            (p := client.get(reverse("jobs:detail", args=[job.pk]))).context["job"].state
            == State.FAILED
            and p
        ),
        timeout=20,
        what="the job to be seen as failed",
    )
    assert running.WORKER_LOST in page.text and "Tentar novamente" in page.text
    assert "250</strong> clientes foram alterados" in page.text
    first_run = Job.objects.get().task_result_id
    assert DBTaskResult.objects.get(id=first_run).status == "FAILED"

    # Two clicks on "Tentar novamente": one new run.
    retry = reverse("jobs:retry", args=[job.pk])
    client.post(retry)
    second = client.post(retry, follow=True)
    assert "já foi retomada" in second.text
    job.refresh_from_db()
    assert (job.state, job.attempt) == (State.QUEUED, 2)
    assert DBTaskResult.objects.count() == 2

    with task_worker(url):
        wait_until(lambda: Job.objects.get().state == State.DONE, what="the retry to finish")

    assert Client.objects.filter(pk__in=pks, suspended_at__isnull=True).count() == 0
    for pk in pks:
        assert ClientEvent.objects.filter(client_id=pk, action="suspender").count() == 1
    assert JobLine.objects.count() == len(pks)
    assert JobLine.objects.filter(attempt=2).count() == 10
    assert Job.objects.get().done == len(pks)


def test_a_big_export_is_written_by_the_worker_and_downloaded(
    client, partner_a, partner_a_user, make_client_in, db_tasks, settings
):
    for n in range(3):
        make_client_in(partner_a, Status.ACTIVE, name=f"Loja {n}")
    client.force_login(partner_a_user)
    streamed = b"".join(client.get(reverse("clients:list"), {"_export": "csv"}).streaming_content)
    settings.EXPORT_STREAM_MAX_ROWS = 2
    response = client.get(reverse("clients:list"), {"_export": "csv"})
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    with task_worker(database_url(connection.settings_dict)):
        wait_until(lambda: Job.objects.get().state == State.DONE, what="the export")
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert b"".join(download.streaming_content) == streamed


def test_the_daily_digest_is_sent_by_the_worker(partner_a, partner_a_user, make_client, db_tasks):
    import datetime

    from django.core.management import call_command

    from clients.models import NotificationLog

    partner_a_user.email = "ana@alfa.com.br"
    partner_a_user.save()
    make_client(partner_a, expires_on=datetime.date.today() + datetime.timedelta(days=2))
    call_command("notify_partners", verbosity=0)
    job = Job.objects.get()
    assert job.kind == "digest" and not NotificationLog.objects.exists()
    with task_worker(database_url(connection.settings_dict)):
        wait_until(lambda: Job.objects.get().state == State.DONE, what="the digest")
    assert list(NotificationLog.objects.values_list("email", flat=True)) == ["ana@alfa.com.br"]
    assert list(job.lines.values_list("label", "message")) == [("ana@alfa.com.br", "enviado")]


def test_an_import_is_previewed_by_the_web_and_written_by_the_worker(
    client, partner_a, partner_a_user, db_tasks
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from clients.domain.dates import active_until, format_day
    from tests.csv_helpers import CNPJ, CPF, HEADER

    # The partner's import gives a new client at most + Novo cliente's month.
    due = format_day(active_until(timezone.localdate()))
    rows = [
        HEADER,
        f"Padaria Nova;{CPF};padaria@example.com;navi;SP;Campinas;{due}",
        f"Mercado Novo;{CNPJ};mercado@example.com;link;RJ;Niterói;{due}",
    ]
    client.force_login(partner_a_user)
    upload = SimpleUploadedFile("clientes.csv", ("\n".join(rows) + "\n").encode())
    preview = client.get(client.post(reverse("clients:import"), {"arquivo": upload}).url)
    job = preview.context["preview"].job
    client.post(reverse("clients:import-confirm", args=[job.pk]))
    assert not Client.objects.exists()
    with task_worker(database_url(connection.settings_dict)):
        wait_until(lambda: Job.objects.get().state == State.DONE, what="the import")
    assert sorted(Client.objects.values_list("name", flat=True)) == ["Mercado Novo", "Padaria Nova"]
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert "<strong>2</strong> clientes novos" in page.text


def test_two_workers_behind_pgbouncer_run_each_job_once(
    client, partner_a, partner_a_user, make_client_in, db_tasks
):
    """PgBouncer in transaction mode (no session state for the workers either), two workers
    sharing the queue, five bulk jobs: each done once, each client changed once."""
    from tests.servers import PgBouncerUnavailable, pgbouncer

    client.force_login(partner_a_user)
    jobs = []
    for _ in range(5):
        shops = [make_client_in(partner_a, Status.ACTIVE) for _ in range(3)]
        preview = client.get(
            reverse("clients:bulk-preview"), {"acao": "suspender", "id": [s.pk for s in shops]}
        )
        client.post(reverse("clients:bulk-confirm"), {"token": token_of(preview)})
        jobs.append(Job.objects.order_by("-created_at").first())
    try:
        bouncer = pgbouncer(connection.settings_dict)
        port = bouncer.__enter__()
    except PgBouncerUnavailable as reason:
        pytest.skip(f"PgBouncer indisponível aqui: {reason}")
    try:
        url = database_url(connection.settings_dict, host="127.0.0.1", port=port)
        with (
            task_worker(url, DATABASE_POOLER="transaction"),
            task_worker(url, DATABASE_POOLER="transaction"),
        ):
            wait_until(lambda: Job.objects.filter(state=State.DONE).count() == 5, what="five jobs")
    finally:
        bouncer.__exit__(None, None, None)
    assert set(Job.objects.values_list("attempt", flat=True)) == {1}
    runs = DBTaskResult.objects.filter(status="SUCCESSFUL")
    assert runs.count() == 5
    assert len({worker for run in runs for worker in run.worker_ids}) >= 1
    assert ClientEvent.objects.filter(action="suspender").count() == 15
    assert JobLine.objects.count() == 15
