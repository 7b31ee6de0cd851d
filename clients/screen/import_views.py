"""Importar clientes (Administrador and Operador): upload, preview, confirm — then the job's
page (jobs.views) shows the progress and the result. Thin views over clients.services.imports."""

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from clients.services import imports
from clients.transfer.columns import HEADER
from clients.transfer.exporting import BOM, csv_writer
from jobs.models import State
from jobs.running import confirm_draft
from jobs.scoping import partner_jobs
from jobs.views import JOINED
from portal.uploads import FORM_OVERHEAD, max_body_size

EXAMPLE = {
    "nome": "Padaria Exemplo",
    "cpf_cnpj": "11.222.333/0001-81",
    "email": "contato@padariaexemplo.com.br",
    "produto": "Link",
    "uf": "SP",
    "cidade": "Campinas",
    "vencimento": "31/12/2026",
}


def _draft_or_404(request, pk):
    return get_object_or_404(partner_jobs(request).filter(kind="import"), pk=pk)


# The file may be up to IMPORT_MAX_BYTES: a larger body is refused before it is read.
@max_body_size(lambda: settings.IMPORT_MAX_BYTES + FORM_OVERHEAD)
def import_start(request):
    """GET: the form; POST: the file checked and previewed, then its preview page."""
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("arquivo")
        if upload is None:
            error = "Escolha o arquivo a importar."
        else:
            try:
                data = imports.read_upload(upload)
                job = imports.prepare(
                    partner=request.partner,
                    user=request.user,
                    name=upload.name,
                    data=data,
                    back_url=reverse("clients:list"),
                )
            except imports.UploadRefused as refused:
                error = refused.message
            else:
                return redirect("clients:import-preview", pk=job.pk)
    context = {
        "error": error,
        "max_size": imports.max_size(),
        "columns": HEADER,
    }
    return render(request, "clients/import.html", context, status=400 if error else 200)


def import_preview(request, pk):
    """What the file would do: counts of new, changed and unchanged clients, every refused
    line with its number and reason; the confirmation if it may be imported."""
    job = _draft_or_404(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    if job.state != State.DRAFT:
        return redirect("jobs:detail", pk=job.pk)
    context = {
        "preview": imports.preview_of(job),
        "refused": job.lines.filter(attempt=0).order_by("subject_id"),
    }
    return render(request, "clients/import_preview.html", context)


def import_confirm(request, pk):
    """Submit the previewed import as a job (once: an identical import running is joined)."""
    job = _draft_or_404(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if job.state == State.DRAFT and imports.preview_of(job).blocked_reason:
        messages.error(request, imports.preview_of(job).blocked_reason)
        return redirect("clients:import-preview", pk=job.pk)
    found, submitted = confirm_draft(job) if job.state == State.DRAFT else (job, False)
    if not submitted and found.pk != job.pk:
        messages.info(request, JOINED)
    return redirect("jobs:detail", pk=found.pk)


def import_template(request):
    """The file to fill in: the import's columns, one example row, as Excel opens it."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modelo-importacao-clientes.csv"'
    response.write(BOM)
    writer = csv_writer(response)
    writer.writerow(HEADER)
    writer.writerow([EXAMPLE.get(name, "") for name in HEADER])
    return response
