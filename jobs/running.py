"""How a job runs: submitted once, claimed by one run, alive while its heartbeat is fresh,
finished in the same transaction as its last write, and started again only on purpose.

- `submit` creates the Job and enqueues its task when the request's transaction commits
  (`transaction.on_commit`), with ids as arguments; a second identical submission while one is
  queued or running joins it (the partial unique constraint on `key`).
- `run_job` is what each task calls in the worker: it claims the run (compare-and-swap from
  "queued" on the job's current attempt), keeps a heartbeat from a thread of its own (short
  transactions on its own connection, so they commit while the work's transaction is open),
  and marks the job failed if the work raises.
- The work writes in transactions, each of which starts its writes with `own(job)`: the job's
  row locked and checked to be still this run's. A run that lost the job (marked failed as
  stale, or replaced by a retry) rolls back instead of writing, so two runs of one job can
  never both apply.
- `fail_stale` fails the jobs whose heartbeat stopped — a worker killed in the middle leaves
  its task "running" for ever in django-tasks-db — when a job's page is read and when a worker
  starts a task.
- `retry` ("Tentar novamente") starts a failed job's next attempt, once however often it is
  clicked.
"""

import hashlib
import json
import logging
import threading
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Q
from django.tasks.signals import task_started
from django.utils import timezone
from django.utils.module_loading import import_string

from jobs.models import ACTIVE, Job, State

log = logging.getLogger("portal.jobs")

UNEXPECTED = (
    "Ocorreu um erro inesperado e a tarefa parou. Nada ficou pela metade: o que já tinha sido "
    "gravado está registrado aqui. Tente novamente; se o erro continuar, avise o suporte."
)
WORKER_LOST = (
    "O processamento foi interrompido no meio (o processador de tarefas parou). Nada ficou "
    "pela metade: o que já tinha sido gravado está registrado aqui. Tente novamente para "
    "terminar."
)
NOT_ENQUEUED = "A tarefa não chegou a entrar na fila de processamento. Tente novamente."
ALREADY_RUNNING = "Uma execução igual a esta já está em andamento; acompanhe-a."


class Superseded(Exception):
    """This run no longer owns its job (it was failed as stale, or retried): nothing it was
    about to write is written."""


class JobRefused(Exception):
    """The job stops with a pt-BR reason for the person; `retryable`: whether trying it again
    may help (a refused file: no; e-mails a server did not take: yes)."""

    def __init__(self, message: str, retryable: bool = False):
        super().__init__(message)
        self.message = message
        self.retryable = retryable


def job_key(*parts) -> str:
    """The identity of a submission: what must match for two submissions to be the same."""
    text = json.dumps(parts, default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def submit(
    *,
    partner,
    user,
    kind: str,
    title: str,
    task_path: str,
    key: str,
    arguments: dict | None = None,
    permission: str = "",
    back_url: str = "",
    total: int = 0,
) -> tuple[Job, bool]:
    """(job, created): a new job, enqueued when the caller's transaction commits, or the job
    already queued or running with the same key."""
    with transaction.atomic():
        running = Job.objects.filter(key=key, state__in=ACTIVE).first()
        if running is not None:
            return running, False
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    partner=partner,
                    user=user if user is not None and user.is_authenticated else None,
                    kind=kind,
                    title=title[:200],
                    task_path=task_path,
                    arguments=arguments or {},
                    key=key,
                    permission=str(permission or ""),
                    back_url=back_url[:300],
                    total=total,
                    heartbeat_at=timezone.now(),
                )
        except IntegrityError:
            # The same submission, committed meanwhile by another request.
            running = Job.objects.filter(key=key, state__in=ACTIVE).first()
            if running is None:
                raise
            return running, False
        enqueue_on_commit(job)
    return job, True


def confirm_draft(job: Job) -> tuple[Job, bool]:
    """Submit a prepared job (an import after its preview): (job, True), or the identical job
    already queued or running (False) — which this one then is not."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                submitted = Job.objects.filter(pk=job.pk, state=State.DRAFT).update(
                    state=State.QUEUED, heartbeat_at=timezone.now(), created_at=timezone.now()
                )
        except IntegrityError:
            return Job.objects.get(key=job.key, state__in=ACTIVE), False
        job.refresh_from_db()
        if submitted:
            enqueue_on_commit(job)
    return job, bool(submitted)


def enqueue_on_commit(job: Job) -> None:
    """Enqueue the job's current attempt once the transaction that made it commits, so that
    a worker never picks up a job whose rows it cannot see yet."""
    job_id, attempt, path = str(job.pk), job.attempt, job.task_path
    transaction.on_commit(lambda: _enqueue(job_id, attempt, path))


def _enqueue(job_id: str, attempt: int, path: str) -> None:
    # One transaction (one commit) for the backend's row and the job's note of it: kept for
    # the stale check (a queued job whose task never got to the queue) and to fail the
    # backend's own row of a run whose worker died.
    with transaction.atomic():
        result = import_string(path).enqueue(job_id, attempt)
        Job.objects.filter(pk=job_id, attempt=attempt, task_result_id="").update(
            task_result_id=str(result.id)
        )


def claim(job_id: str, attempt: int, result_id: str = "") -> Job | None:
    """Start this run: the job moves from queued to running only for the attempt it was
    enqueued with (None: an old or duplicate run, which does nothing)."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, attempt=attempt, state=State.QUEUED).update(
        state=State.RUNNING, started_at=now, heartbeat_at=now, task_result_id=result_id
    )
    return Job.objects.get(pk=job_id) if claimed else None


def own(job: Job) -> None:
    """Inside the work's transaction, before it writes: lock the job's row until the
    transaction ends and make sure this run still owns it (Superseded otherwise)."""
    if not connection.in_atomic_block:
        raise RuntimeError("own() belongs inside the transaction of the writes it guards.")
    mine = Job.objects.select_for_update().filter(
        pk=job.pk, attempt=job.attempt, state=State.RUNNING
    )
    if not list(mine.values_list("pk", flat=True)):
        raise Superseded(f"job {job.pk} attempt {job.attempt}")


def complete(job: Job, outcome: dict | None = None, **fields) -> None:
    """The job is done: in the transaction of its last write (or a transaction of its own)."""
    with transaction.atomic():
        own(job)
        Job.objects.filter(pk=job.pk).update(
            state=State.DONE, finished_at=timezone.now(), outcome=outcome or {}, **fields
        )
    job.state = State.DONE


def fail(job: Job, message: str, retryable: bool = True) -> bool:
    """Mark this run's job failed with a pt-BR message (False: it was not this run's any more)."""
    return bool(
        Job.objects.filter(pk=job.pk, attempt=job.attempt, state=State.RUNNING).update(
            state=State.FAILED, error=message, retryable=retryable, finished_at=timezone.now()
        )
    )


def run_job(context, job_id: str, attempt: int, work) -> dict:
    """Run `work(job, progress)` as the job's attempt `attempt`, in the worker. `progress(done,
    total=None, stage=None)` reports how far it got; the heartbeat carries it to the page."""
    job = claim(job_id, attempt, str(context.task_result.id))
    if job is None:
        log.warning("job %s attempt %s is not queued any more: not run", job_id, attempt)
        return {"ran": False}
    heartbeat = Heartbeat(job)
    heartbeat.start()
    try:
        work(job, heartbeat.progress)
        if Job.objects.filter(pk=job.pk, attempt=job.attempt, state=State.RUNNING).exists():
            complete(job, **heartbeat.values())
    except Superseded:
        log.warning("job %s attempt %s lost its job; its writes were rolled back", job_id, attempt)
        return {"ran": False}
    except JobRefused as refusal:
        fail(job, refusal.message, retryable=refusal.retryable)
        return {"ran": True, "refused": refusal.message}
    except BaseException:
        log.exception("job %s attempt %s failed", job_id, attempt)
        try:
            fail(job, UNEXPECTED)
        except DatabaseError:  # the database is gone too: the stale check will fail it
            log.exception("job %s attempt %s could not be marked failed", job_id, attempt)
        raise
    finally:
        heartbeat.stop()
    return {"ran": True}


class Heartbeat:
    """Every JOB_HEARTBEAT_SECONDS, from a thread with its own database connection: the job's
    `heartbeat_at` and the progress the work reported, in one short UPDATE that commits at once
    (the work's own transaction may be open for minutes)."""

    def __init__(self, job: Job):
        self.job_id, self.attempt = job.pk, job.attempt
        self._values = {"done": job.done, "total": job.total, "stage": job.stage}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"job-heartbeat-{job.pk}", daemon=True
        )

    def progress(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        with self._lock:
            self._values["done"] = done
            if total is not None:
                self._values["total"] = total
            if stage is not None:
                self._values["stage"] = stage[:60]

    def values(self) -> dict:
        with self._lock:
            return dict(self._values)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while not self._stopped.wait(settings.JOB_HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connection.close()  # this thread's own connection

    def beat(self) -> None:
        try:
            Job.objects.filter(pk=self.job_id, attempt=self.attempt, state=State.RUNNING).update(
                heartbeat_at=timezone.now(), **self.values()
            )
        except DatabaseError as error:  # a busy SQLite, a dropped connection: the next beat
            log.warning("job %s heartbeat not written: %s", self.job_id, error)
            connection.close()


def stale_q(now=None) -> Q:
    """Active jobs nobody is working on: running without a heartbeat for JOB_STALE_SECONDS
    (its worker died), or queued that long without ever reaching the task queue."""
    cutoff = (now or timezone.now()) - timedelta(seconds=settings.JOB_STALE_SECONDS)
    return Q(heartbeat_at__lt=cutoff) & (
        Q(state=State.RUNNING) | Q(state=State.QUEUED, task_result_id="")
    )


def fail_stale(jobs=None) -> int:
    """Fail the stale jobs (of `jobs`, a queryset, or all). A job whose row is locked is not
    stale, whatever its heartbeat says: a run is inside one of its transactions (own() holds
    the row, and the heartbeat waits for it), so those rows are skipped, not waited for. Each
    is updated by compare-and-swap on what was read (SQLite locks no row). The backend's own
    row of the dead run is failed too (django-tasks-db would keep it "running")."""
    now = timezone.now()
    failed = 0
    with transaction.atomic():
        stale = (jobs if jobs is not None else Job.objects.all()).filter(stale_q(now))
        for job in stale.select_for_update(skip_locked=True):
            message = WORKER_LOST if job.state == State.RUNNING else NOT_ENQUEUED
            updated = Job.objects.filter(
                pk=job.pk, attempt=job.attempt, state=job.state, heartbeat_at=job.heartbeat_at
            ).update(state=State.FAILED, error=message, finished_at=now)
            if updated:
                failed += 1
                log.warning("job %s attempt %s failed: no heartbeat", job.pk, job.attempt)
                _fail_backend_result(job.task_result_id, now)
    return failed


def _fail_backend_result(result_id: str, now) -> None:
    try:
        uuid.UUID(result_id)
        from django_tasks_db.models import DBTaskResult
    except (ValueError, ImportError):  # another backend's id (ImmediateBackend in tests)
        return
    DBTaskResult.objects.filter(id=result_id, status="RUNNING").update(
        status="FAILED",
        finished_at=now,
        exception_class_path="jobs.running.WorkerLost",
        traceback="The worker stopped sending the job's heartbeat (jobs.running.fail_stale).",
    )


def retry(job: Job) -> bool:
    """Tentar novamente: the failed job's next attempt, enqueued on commit. False when this
    attempt was already retried (a second click); JobRefused when an identical job is active."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                restarted = Job.objects.filter(
                    pk=job.pk, attempt=job.attempt, state=State.FAILED, retryable=True
                ).update(
                    state=State.QUEUED,
                    attempt=job.attempt + 1,
                    error="",
                    started_at=None,
                    finished_at=None,
                    heartbeat_at=timezone.now(),
                    task_result_id="",
                )
        except IntegrityError:
            raise JobRefused(ALREADY_RUNNING) from None
        if not restarted:
            return False
        job.refresh_from_db()
        enqueue_on_commit(job)
    return True


def _check_on_task_start(sender, **kwargs) -> None:
    """A worker starting a task also fails the jobs a dead worker left (one query on the
    active jobs' partial index when there are none)."""
    try:
        fail_stale()
    except DatabaseError:
        log.exception("stale-job check failed")


task_started.connect(_check_on_task_start, dispatch_uid="jobs.stale_check")
