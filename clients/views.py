from django.core.paginator import Paginator
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django_tables2 import RequestConfig

from clients.actions import ACTIONS_PERMISSION, role_allows
from clients.filters import ClientFilter
from clients.scoping import partner_clients, partner_required, partner_unused_codes
from clients.status import Status, status_counts, today
from clients.tables import (
    EXPORT_FORMATS,
    PER_PAGE,
    ClientPaginator,
    ClientTable,
    StreamingExport,
    table_rows,
)

EXPORT_PARAM = "_export"  # django-tables2's ExportMixin trigger
CODES_PER_PAGE = 100


def home(request):
    if request.user.is_authenticated and request.partner is None and request.user.is_staff:
        return redirect("admin:index")
    return redirect("clients:list")


@partner_required
def client_list(request):
    clients = partner_clients(request)
    filterset = ClientFilter(request.GET, queryset=clients, request=request)
    table = ClientTable(
        table_rows(filterset.qs),
        csrf_token=get_token(request),
        may_act=role_allows(request.partner_user.role, ACTIONS_PERMISSION),
    )

    export_format = request.GET.get(EXPORT_PARAM)
    if export_format in EXPORT_FORMATS:
        RequestConfig(request, paginate=False).configure(table)
        filename = f"clientes-{today():%Y-%m-%d}.{export_format}"
        return StreamingExport(table, export_format).response(filename)

    counts = status_counts(clients)
    pagination = {
        "per_page": PER_PAGE,
        "paginator_class": ClientPaginator,
        "count": filterset.count_from(counts),
    }
    RequestConfig(request, paginate=pagination).configure(table)
    selected = filterset.form.cleaned_data.get("status") if filterset.is_valid() else None
    context = {
        "filter": filterset,
        "table": table,
        "status_counts": [(status, counts[status]) for status in Status],
        "selected_statuses": selected or [],
        "unused_codes": partner_unused_codes(request).count(),
        "export_formats": EXPORT_FORMATS,
    }
    return render(request, "clients/client_list.html", context)


@partner_required
def registration_codes(request):
    """The clients whose registration code is still unused, with the code.

    clients.js loads it into the “Visualizar” dialog (the X-Fragment header asks for the
    dialog's body only); without JavaScript it is a page of its own.
    """
    codes = (
        partner_unused_codes(request)
        .select_related("client")
        .order_by("client__name", "client_id", "pk")
    )
    page = Paginator(codes, CODES_PER_PAGE).get_page(request.GET.get("page"))
    fragment = bool(request.headers.get("X-Fragment"))
    template = "clients/_codes_dialog_body.html" if fragment else "clients/registration_codes.html"
    response = render(request, template, {"page": page})
    patch_vary_headers(response, ["X-Fragment"])
    return response
