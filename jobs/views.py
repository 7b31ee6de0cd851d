"""The long actions' one view helper and the job's page.

A view that starts long work calls `start_job` (pretix's AsyncAction, as a function): the job
is submitted — enqueued when the request's transaction commits — and the person is sent to
the job's page. That page shows a real <progress>: with JavaScript a small poll of
`job_status` moves it (static/portal/job.js), without it the page refreshes itself; at the
end it shows the outcome, item by item, and a link back.
"""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render

from jobs import files, running
from jobs.models import State
from jobs.scoping import get_job_or_404
from partners.permissions import role_allows, role_refusal
from portal.responses import forbidden

REFRESH_SECONDS = 2
JOINED = "Uma tarefa igual já estava em andamento: acompanhe-a aqui (nada foi iniciado de novo)."


def start_job(request, **job):
    """Submit a job for the signed-in partner user (jobs.running.submit's arguments) and answer
    with its page."""
    found, created = running.submit(partner=request.partner, user=request.user, **job)
    if not created:
        messages.info(request, JOINED)
    return redirect("jobs:detail", pk=found.pk)


def _may_retry(request, job) -> bool:
    return role_allows(request.partner_user.role, job.permission or None)


def _current(request, pk, methods=("GET", "HEAD")):
    """The user's job (another's is a 404, whatever the method), stale ones failed first."""
    job = get_job_or_404(request, pk)
    if request.method not in methods:
        return None
    if job.is_active and running.fail_stale(type(job).objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def job_detail(request, pk):
    job = _current(request, pk)
    if job is None:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    lines = job.lines.order_by("label", "subject_id", "pk")
    context = {
        "job": job,
        "refused": lines.filter(ok=False),
        "done_lines": lines.filter(ok=True),
        "may_retry": job.state == State.FAILED and job.retryable and _may_retry(request, job),
        "refresh_seconds": REFRESH_SECONDS,
    }
    return render(request, "jobs/job.html", context)


def job_status(request, pk):
    """The job's progress for the page's poll."""
    job = _current(request, pk)
    if job is None:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return JsonResponse(
        {
            "estado": job.state,
            "rotulo": job.get_state_display(),
            "feitos": job.done,
            "total": job.total,
            "porcentagem": job.percent,
            "etapa": job.stage,
            "ativa": job.is_active,
        },
        headers={"Cache-Control": "no-store"},
    )


def job_file(request, pk):
    """The file a finished job wrote (an export), streamed from the database."""
    job = _current(request, pk)
    if job is None:
        return HttpResponseNotAllowed(["GET", "HEAD"])
    output = files.latest(job) if job.state == State.DONE else None
    if output is None:
        raise Http404("Esta tarefa não tem arquivo para baixar.")
    response = StreamingHttpResponse(files.pieces(output), content_type=output.content_type)
    response["Content-Disposition"] = f'attachment; filename="{output.name}"'
    response["Content-Length"] = str(output.size)
    return response


def job_retry(request, pk):
    """Tentar novamente: the failed job's next run, once, for a role that may start it."""
    job = _current(request, pk, methods=("POST",))
    if job is None:
        return HttpResponseNotAllowed(["POST"])
    if not _may_retry(request, job):
        return forbidden(request, role_refusal(request.partner_user.role, job.permission))
    try:
        restarted = running.retry(job)
    except running.JobRefused as refusal:
        messages.error(request, refusal.message)
        return redirect("jobs:detail", pk=job.pk)
    if restarted:
        messages.success(request, "A tarefa foi colocada na fila de novo.")
    elif job.state != State.FAILED:
        messages.info(request, "Esta tarefa já foi retomada; acompanhe-a aqui.")
    else:
        messages.error(request, "Esta tarefa não pode ser repetida.")
    return redirect("jobs:detail", pk=job.pk)
