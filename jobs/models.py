"""A partner's long work, off the request: one Job row per submission, owned by the product.

The task backend (django.tasks with django-tasks-db) only carries "run job X, attempt N" to a
worker. What a person sees — state, progress, heartbeat, outcome — lives here, because the
backend cannot tell a task whose worker died from one still running (jobs.running).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from partners.models import Partner


class State(models.TextChoices):
    # Prepared but not submitted (an import's preview, until its confirmation).
    DRAFT = "rascunho", "Prévia"
    QUEUED = "fila", "Na fila"
    RUNNING = "executando", "Em andamento"
    DONE = "concluida", "Concluída"
    FAILED = "falhou", "Falhou"


ACTIVE = (State.QUEUED, State.RUNNING)


class Job(models.Model):
    """One long piece of work a partner user (or the system) asked for: a bulk action, an
    export, an import, a digest. `attempt` counts its runs: each run is enqueued with its
    attempt, and only the run whose attempt is the row's may write (jobs.running.own)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="jobs", verbose_name="parceiro"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="pedida por",
    )
    kind = models.CharField("tipo", max_length=30)
    title = models.CharField("descrição", max_length=200)
    # The permission (partners.permissions.Permission) that starting it again needs.
    permission = models.CharField("permissão", max_length=20, blank=True)
    # The django.tasks task that runs it, as its dotted path (called with id and attempt).
    task_path = models.CharField("tarefa", max_length=200)
    arguments = models.JSONField("dados", default=dict, blank=True)
    # What makes two submissions the same: while one is queued or running, the other joins it.
    key = models.CharField("chave", max_length=64)
    state = models.CharField("estado", max_length=12, choices=State.choices, default=State.QUEUED)
    attempt = models.PositiveIntegerField("execução", default=1)
    retryable = models.BooleanField("pode ser repetida", default=True)
    stage = models.CharField("etapa", max_length=60, blank=True)
    done = models.PositiveIntegerField("feitos", default=0)
    total = models.PositiveIntegerField("total", default=0)
    outcome = models.JSONField("resultado", default=dict, blank=True)
    error = models.TextField("erro", blank=True)
    # The backend's id of the current run's task result (django-tasks-db's DBTaskResult).
    task_result_id = models.CharField("id da execução", max_length=64, blank=True)
    back_url = models.CharField("voltar para", max_length=300, blank=True)
    created_at = models.DateTimeField("criada em", default=timezone.now)
    started_at = models.DateTimeField("iniciada em", null=True, blank=True)
    heartbeat_at = models.DateTimeField("último sinal", null=True, blank=True)
    finished_at = models.DateTimeField("terminada em", null=True, blank=True)

    class Meta:
        verbose_name = "tarefa"
        verbose_name_plural = "tarefas"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=models.Q(state__in=ACTIVE),
                name="job_one_active_per_key",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "user", "-created_at"], name="job_partner_user"),
            # The stale-job check reads only the active jobs.
            models.Index(
                fields=["state", "heartbeat_at"],
                condition=models.Q(state__in=ACTIVE),
                name="job_active",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.get_state_display()})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE

    @property
    def percent(self) -> int:
        if self.state == State.DONE:
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def outcome_template(self) -> str:
        return f"jobs/outcomes/{self.kind}.html"


class JobLine(models.Model):
    """One item of a job's outcome: a client a bulk action changed or refused, a refused
    line of an import. Written in the same transaction as the work it reports."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="lines")
    attempt = models.PositiveIntegerField("execução")
    subject_id = models.BigIntegerField("id", null=True, blank=True)
    label = models.CharField("item", max_length=300, blank=True)
    ok = models.BooleanField("feito")
    message = models.CharField("resultado", max_length=500, blank=True)

    class Meta:
        verbose_name = "resultado por item"
        verbose_name_plural = "resultados por item"
        indexes = [models.Index(fields=["job", "ok", "label"], name="jobline_job")]

    def __str__(self):
        return f"{self.label or self.subject_id}: {self.message}"


class JobFile(models.Model):
    """A file a job reads (an upload) or writes (an export), in the database in pieces, so that
    every web instance and every worker reaches it without shared disk."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    attempt = models.PositiveIntegerField("execução")
    role = models.CharField("papel", max_length=10)  # "entrada" or "saida"
    name = models.CharField("nome", max_length=200)
    content_type = models.CharField("tipo", max_length=100)
    size = models.PositiveBigIntegerField("tamanho", default=0)
    created_at = models.DateTimeField("criado em", default=timezone.now)

    class Meta:
        verbose_name = "arquivo de tarefa"
        verbose_name_plural = "arquivos de tarefas"
        indexes = [models.Index(fields=["job", "role", "-attempt"], name="jobfile_job")]

    def __str__(self):
        return self.name


class JobFileChunk(models.Model):
    file = models.ForeignKey(JobFile, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "position"], name="jobfilechunk_position")
        ]

    def __str__(self):
        return f"{self.file} #{self.position}"
