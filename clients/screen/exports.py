"""The Clientes list's exports (Exportar CSV/XLSX, Exportar seleção): streamed by the request
up to EXPORT_STREAM_MAX_ROWS clients; above that, a job writes the file in a worker
(clients.tasks.export_list) and its page offers the download.

The job keeps the request's query string, not the rows: the worker rebuilds the same
selection and order from it (`clients_for`), through the same filter, table and writer the
streamed export uses."""

import tempfile

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django_tables2 import RequestConfig

from clients.scoping import partner_clients
from clients.screen.filters import ClientFilter
from clients.screen.tables import ClientTable, table_rows
from clients.transfer.exporting import CSV, XLSX_CONTENT_TYPE, ListExport
from jobs import files
from jobs.running import complete, job_key, own
from jobs.views import start_job
from partners.models import PartnerUser
from partners.permissions import Permission

LIST, SELECTION = "clientes", "selecao"
CONTENT_TYPES = {CSV: "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}
NOT_QUERY = {"_export", "page"}


def ordered(request, clients):
    """The clients in the screen's order (the `sort` of the query string)."""
    table = ClientTable(table_rows(clients))
    RequestConfig(request, paginate=False).configure(table)
    return table.data.data


def clients_for(request, source: str):
    """What an export of `source` covers: the list as filtered, or the bulk bar's selection."""
    if source == SELECTION:
        from clients.screen.bulk_views import LISTS, selection

        list_name = request.GET.get("lista") if request.GET.get("lista") in LISTS else LIST
        return selection(request, list_name)
    return ClientFilter(request.GET, queryset=partner_clients(request), request=request).qs


def export(request, *, source: str, export_format: str, filename: str, back_url: str):
    """The download: streamed now, or — above EXPORT_STREAM_MAX_ROWS — a job's page."""
    clients = clients_for(request, source)
    count = clients.count()
    if count <= settings.EXPORT_STREAM_MAX_ROWS:
        return ListExport(ordered(request, clients), export_format).response(filename)
    query = request.GET.copy()
    for name in NOT_QUERY:
        query.pop(name, None)
    query = query.urlencode()
    return start_job(
        request,
        kind="export",
        title=f"Exportação de {count:,} clientes ({export_format.upper()})".replace(",", "."),
        task_path="clients.tasks.export_list",
        key=job_key("export", request.partner.pk, request.user.pk, source, query, export_format),
        arguments={"source": source, "query": query, "format": export_format, "name": filename},
        permission=Permission.VIEW,
        back_url=back_url,
        total=count,
    )


def rebuilt_request(job) -> HttpRequest:
    """The job's request as the scoped views read it: its partner, user, role and query."""
    request = HttpRequest()
    request.method = "GET"
    request.GET = QueryDict(job.arguments["query"])
    request.user = job.user
    request.partner = job.partner
    request.partner_user = PartnerUser.objects.get(user=job.user, partner=job.partner)
    return request


def write(job, progress) -> None:
    """The export job's work (clients.tasks.export_list): the file in a temporary file, then
    into the database in the transaction that completes the job."""
    request = rebuilt_request(job)
    export_format = job.arguments["format"]
    rows = ListExport(
        ordered(request, clients_for(request, job.arguments["source"])), export_format
    )
    progress(0, job.total, "gerando o arquivo")
    with tempfile.TemporaryFile() as output:
        written = rows.write(output, progress=lambda done: progress(done))
        output.seek(0)
        with transaction.atomic():
            own(job)
            stored = files.store(
                job, output, name=job.arguments["name"], content_type=CONTENT_TYPES[export_format]
            )
            complete(
                job,
                {"rows": written, "name": stored.name, "size": stored.size},
                done=written,
                total=written,
            )
