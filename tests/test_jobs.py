"""Jobs (jobs.running, jobs.views): one run per submission, per attempt, per retry; a job whose
worker died is failed; its page shows the progress and the outcome, to its own user only."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clients.domain.actions import Action
from clients.domain.status import Status
from clients.models import Client, ClientEvent
from clients.services import bulk
from jobs import running
from jobs.models import Job, JobLine, State
from partners.models import PartnerUser, Role

DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


def make_job(partner, user, **fields):
    fields.setdefault("kind", "bulk")
    fields.setdefault("title", "Renovar em lote: 2 clientes")
    fields.setdefault("task_path", "clients.tasks.apply_bulk")
    fields.setdefault("key", running.job_key("teste", fields["title"]))
    return Job.objects.create(partner=partner, user=user, **fields)


def submit(partner, user, key="k", **fields):
    return running.submit(
        partner=partner,
        user=user,
        kind="bulk",
        title="Renovar em lote",
        task_path="clients.tasks.apply_bulk",
        key=running.job_key(key),
        **fields,
    )


def enqueued():
    from django.tasks import default_task_backend

    return list(default_task_backend.results)


@pytest.fixture
def dummy_tasks(settings):
    """Tasks are stored, not run (Django's DummyBackend): what was enqueued can be counted."""
    settings.TASKS = DUMMY
    from django.tasks import default_task_backend

    default_task_backend.clear()


def test_a_second_identical_submission_joins_the_first_and_enqueues_nothing(
    partner_a, partner_a_user, dummy_tasks, run_jobs
):
    with run_jobs():
        first, created = submit(partner_a, partner_a_user)
        second, created_again = submit(partner_a, partner_a_user)
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert [r.args for r in enqueued()] == [[str(first.pk), 1]]
    # Once it has ended, the same submission is a new job.
    Job.objects.filter(pk=first.pk).update(state=State.DONE)
    with run_jobs():
        third, created = submit(partner_a, partner_a_user)
    assert created and third.pk != first.pk


def test_the_task_is_enqueued_only_when_the_transaction_commits(
    partner_a, partner_a_user, dummy_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as committed:
        with transaction.atomic():
            submit(partner_a, partner_a_user)
        with transaction.atomic():
            submit(partner_a, partner_a_user, key="other")
            transaction.set_rollback(True)
    assert enqueued() == []  # nothing before the commit
    assert len(committed) == 1  # the rolled-back job is never enqueued, and does not exist
    assert Job.objects.count() == 1
    committed[0]()
    assert [r.args for r in enqueued()] == [[str(Job.objects.get().pk), 1]]


class Ctx:
    class task_result:  # noqa: N801 -- stands for django.tasks' TaskContext.task_result
        id = "test-run"


def test_a_run_is_claimed_once_per_attempt(partner_a, partner_a_user):
    job = make_job(partner_a, partner_a_user)
    calls = []

    def work(job, progress):
        calls.append(job.attempt)

    assert running.run_job(Ctx, str(job.pk), 1, work) == {"ran": True}
    assert running.run_job(Ctx, str(job.pk), 1, work) == {"ran": False}  # the duplicate
    assert running.run_job(Ctx, str(job.pk), 2, work) == {"ran": False}  # not its attempt
    assert calls == [1]
    job.refresh_from_db()
    assert job.state == State.DONE and job.finished_at is not None


def test_a_run_that_lost_its_job_writes_nothing(partner_a, partner_a_user, make_client):
    """Failed as stale while it was still working (a worker only slow, not dead): its next
    transaction finds the job is not its own any more and rolls back."""
    job = make_job(partner_a, partner_a_user)
    target = make_client(partner_a, name="Antes")

    def work(job, progress):
        Job.objects.filter(pk=job.pk).update(state=State.FAILED)  # fail_stale, meanwhile
        with transaction.atomic():
            Client.objects.filter(pk=target.pk).update(name="Depois")
            running.own(job)

    assert running.run_job(Ctx, str(job.pk), 1, work) == {"ran": False}
    assert Client.objects.get(pk=target.pk).name == "Antes"
    job.refresh_from_db()
    assert job.state == State.FAILED


def test_work_that_raises_fails_the_job_with_a_pt_br_message(partner_a, partner_a_user):
    job = make_job(partner_a, partner_a_user)

    def work(job, progress):
        raise ValueError("boom")

    with pytest.raises(ValueError):
        running.run_job(Ctx, str(job.pk), 1, work)
    job.refresh_from_db()
    assert (job.state, job.error, job.retryable) == (State.FAILED, running.UNEXPECTED, True)


def test_a_refusal_fails_the_job_without_a_retry(partner_a, partner_a_user):
    job = make_job(partner_a, partner_a_user)

    def work(job, progress):
        raise running.JobRefused("O arquivo está vazio.")

    running.run_job(Ctx, str(job.pk), 1, work)
    job.refresh_from_db()
    assert (job.state, job.error, job.retryable) == (State.FAILED, "O arquivo está vazio.", False)


def test_a_job_without_a_heartbeat_is_failed_and_a_live_one_is_not(
    partner_a, partner_a_user, settings
):
    settings.JOB_STALE_SECONDS = 60
    now = timezone.now()
    old = now - datetime.timedelta(seconds=61)
    dead = make_job(partner_a, partner_a_user, title="a", state=State.RUNNING, heartbeat_at=old)
    alive = make_job(partner_a, partner_a_user, title="b", state=State.RUNNING, heartbeat_at=now)
    lost = make_job(partner_a, partner_a_user, title="c", heartbeat_at=old)  # never enqueued
    waiting = make_job(  # enqueued, waiting for a worker: not a failure
        partner_a, partner_a_user, title="d", heartbeat_at=old, task_result_id="x"
    )
    assert running.fail_stale() == 2
    states = {job.title: (job.state, job.error) for job in Job.objects.all()}
    assert states[dead.title] == (State.FAILED, running.WORKER_LOST)
    assert states[lost.title] == (State.FAILED, running.NOT_ENQUEUED)
    assert states[alive.title] == (State.RUNNING, "")
    assert states[waiting.title] == (State.QUEUED, "")


def test_retrying_starts_the_next_attempt_once(partner_a, partner_a_user, dummy_tasks, run_jobs):
    job = make_job(partner_a, partner_a_user, state=State.FAILED, error="x")
    with run_jobs():
        assert running.retry(job) is True
        assert running.retry(Job.objects.get(pk=job.pk)) is False  # the second click
        assert running.retry(job) is False  # a stale copy of the job: the same
    job.refresh_from_db()
    assert (job.state, job.attempt, job.error) == (State.QUEUED, 2, "")
    assert [r.args for r in enqueued()] == [[str(job.pk), 2]]


def test_retrying_is_refused_while_an_identical_job_runs(partner_a, partner_a_user):
    key = running.job_key("same")
    failed = make_job(partner_a, partner_a_user, title="a", key=key, state=State.FAILED)
    make_job(partner_a, partner_a_user, title="b", key=key, state=State.RUNNING)
    with pytest.raises(running.JobRefused):
        running.retry(failed)
    assert Job.objects.get(pk=failed.pk).state == State.FAILED


def test_a_bulk_retry_applies_only_the_clients_not_yet_reported(
    partner_a, partner_a_user, make_client_in, action_day
):
    """What the first run applied (and reported, in the same transaction) is not applied
    again: each client gets exactly one renewal."""
    clients = [make_client_in(partner_a, Status.EXPIRED) for _ in range(3)]
    bound = sorted([c.pk, bulk.fingerprint(c), 0] for c in clients)  # no price: costs 0
    job = make_job(
        partner_a, partner_a_user, arguments={"action": "renovar", "bound": bound}, total=3
    )
    first = bulk.bound_of(bound[:1])
    with transaction.atomic():  # what the first run did before its worker died
        bulk.apply_bound(
            action=Action.RENEW,
            bound=first,
            clients=Client.objects.filter(partner=partner_a),
            user=partner_a_user,
        )
        JobLine.objects.create(job=job, attempt=1, subject_id=bound[0][0], ok=True, label="x")
    Job.objects.filter(pk=job.pk).update(state=State.FAILED)
    running.retry(job)  # attempt 2, run here
    running.run_job(Ctx, str(job.pk), 2, bulk.apply)
    job.refresh_from_db()
    assert job.state == State.DONE
    for client in clients:
        assert ClientEvent.objects.filter(client=client, action="renovar").count() == 1
    assert sorted(JobLine.objects.values_list("subject_id", "attempt")) == [
        (bound[0][0], 1),
        (bound[1][0], 2),
        (bound[2][0], 2),
    ]


# The job's page -----------------------------------------------------------------------------


def test_a_running_job_shows_a_progress_bar_that_refreshes_without_javascript(
    client_a, partner_a, partner_a_user
):
    job = make_job(
        partner_a,
        partner_a_user,
        state=State.RUNNING,
        done=120,
        total=480,
        heartbeat_at=timezone.now(),
    )
    page = client_a.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    html = page.text
    assert '<progress id="job-progress"' in html and 'max="480"' in html and 'value="120"' in html
    assert '<noscript><meta http-equiv="refresh"' in html
    assert "120 de 480" in html
    assert 'src="/static/portal/job.js"' in html
    status = client_a.get(
        reverse("jobs:status", args=[job.pk]), headers={"Accept": "application/json"}
    )
    assert status.json() == {
        "estado": "executando",
        "rotulo": "Em andamento",
        "feitos": 120,
        "total": 480,
        "porcentagem": 25,
        "etapa": "",
        "ativa": True,
    }


def test_a_finished_job_shows_its_outcome_and_no_refresh(client_a, partner_a, partner_a_user):
    job = make_job(
        partner_a, partner_a_user, state=State.DONE, done=2, total=2, back_url="/clientes/"
    )
    JobLine.objects.create(
        job=job, attempt=1, subject_id=7, label="Padaria", ok=True, message="Suspenso"
    )
    JobLine.objects.create(
        job=job, attempt=1, subject_id=8, label="Mercado", ok=False, message=bulk.CHANGED
    )
    html = client_a.get(reverse("jobs:detail", args=[job.pk])).text
    assert "refresh" not in html
    assert "Padaria</strong>: Suspenso" in html and f"Mercado</strong>: {bulk.CHANGED}" in html
    assert 'href="/clientes/"' in html


def test_a_dead_workers_job_is_shown_failed_with_a_retry(
    client_a, partner_a, partner_a_user, settings, run_jobs
):
    settings.JOB_STALE_SECONDS = 30
    old = timezone.now() - datetime.timedelta(seconds=31)
    job = make_job(
        partner_a,
        partner_a_user,
        state=State.RUNNING,
        heartbeat_at=old,
        permission="alterar",
        arguments={"action": "renovar", "bound": []},
    )
    html = client_a.get(reverse("jobs:detail", args=[job.pk])).text
    assert running.WORKER_LOST in html and "Tentar novamente" in html
    with run_jobs():
        response = client_a.post(reverse("jobs:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.attempt == 2 and job.state == State.DONE  # run here by the in-process backend


def test_consulta_may_not_retry_a_change(client, partner_a, partner_a_user):
    PartnerUser.objects.filter(user=partner_a_user).update(role=Role.VIEWER)
    client.force_login(partner_a_user)
    job = make_job(partner_a, partner_a_user, state=State.FAILED, permission="alterar")
    assert "Tentar novamente" not in client.get(reverse("jobs:detail", args=[job.pk])).text
    response = client.post(reverse("jobs:retry", args=[job.pk]))
    assert response.status_code == 403
    assert Job.objects.get(pk=job.pk).state == State.FAILED


def test_another_members_job_is_a_404(client, partner_a, partner_a_user, make_member):
    job = make_job(partner_a, partner_a_user)
    client.force_login(make_member(partner_a, "colega"))
    for name in ("jobs:detail", "jobs:status"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:retry", args=[job.pk])).status_code == 404
