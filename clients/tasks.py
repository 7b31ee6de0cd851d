"""The clients' long work, as django.tasks tasks: each takes its job's id and attempt (never
a model instance) and runs the work through jobs.running.run_job, which claims the run, keeps
its heartbeat and records how it ended."""

from django.tasks import task

from clients import notifications
from clients.screen import exports
from clients.services import bulk, imports
from jobs.running import run_job


@task(takes_context=True)
def apply_bulk(context, job_id: str, attempt: int) -> dict:
    """A bulk action's confirmation: exactly the clients its preview showed."""
    return run_job(context, job_id, attempt, bulk.apply)


@task(takes_context=True)
def export_list(context, job_id: str, attempt: int) -> dict:
    """An export of the list or a selection above the size streamed by the request."""
    return run_job(context, job_id, attempt, exports.write)


@task(takes_context=True)
def send_digest(context, job_id: str, attempt: int) -> dict:
    """A partner's daily summary e-mails (manage.py notify_partners)."""
    return run_job(context, job_id, attempt, notifications.send_digest)


@task(takes_context=True)
def import_file(context, job_id: str, attempt: int) -> dict:
    """Importar clientes, once its preview is confirmed."""
    return run_job(context, job_id, attempt, imports.run)
