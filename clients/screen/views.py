from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django_tables2 import RequestConfig

from clients.domain.actions import ACTIONS_PERMISSION
from clients.domain.history import action_label, changes
from clients.domain.quantities import describe_license
from clients.domain.status import Status, status_since, today
from clients.models import Certificate, Module
from clients.scoping import (
    get_client_or_404,
    partner_clients,
    partner_tally,
    partner_unused_codes,
)
from clients.screen import exports
from clients.screen.bulk_views import SelectableClientTable, bulk_context
from clients.screen.charges import renewal_note
from clients.screen.filters import ClientFilter
from clients.screen.tables import PER_PAGE, ClientPaginator, menu_entries, table_rows
from clients.services.devices import waiting_code
from clients.transfer.exporting import EXPORT_FORMATS
from partners.permissions import role_allows

EXPORT_PARAM = "_export"  # django-tables2's ExportMixin trigger
CODES_PER_PAGE = 100
RECENT_EVENTS = 10


def client_list(request):
    clients = partner_clients(request)
    filterset = ClientFilter(request.GET, queryset=clients, request=request)
    table = SelectableClientTable(
        table_rows(filterset.qs),
        may_act=role_allows(request.partner_user.role, ACTIONS_PERMISSION),
    )

    export_format = request.GET.get(EXPORT_PARAM)
    if export_format in EXPORT_FORMATS:
        return exports.export(
            request,
            source=exports.LIST,
            export_format=export_format,
            filename=f"clientes-{today():%Y-%m-%d}.{export_format}",
            back_url=reverse("clients:list"),
        )

    # The counts of each status under the other filters; they also give the list's row count.
    counts = filterset.status_counts(partner_tally(request))
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
        **bulk_context(request, "clientes", table.paginator.count),
    }
    return render(request, "clients/client_list.html", context)


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


def client_detail(request, pk):
    """One client whole: data, status and its reason, licenses, Link or certificate details,
    the allowed actions (from the ⋮ menu's table) and the latest history."""
    # The client first, so that another partner's client is a 404 whatever the method.
    client = get_client_or_404(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    status = client.status
    here = request.get_full_path()
    day = today()
    # In the module table's order (the main count first), each with a pending reduction.
    order = list(Module)
    all_licenses = sorted(client.licenses.all(), key=lambda lic: order.index(lic.module))
    licenses = [
        (license.get_module_display(), describe_license(license, day))
        for license in all_licenses
        if license.current_quantity(day) or license.scheduled_from
    ]
    events = client.events.select_related("actor").order_by("-at", "-id")[: RECENT_EVENTS + 1]
    events = [(event, action_label(event.action), changes(event)) for event in events]
    context = {
        "client": client,
        "status": status,
        "since": status_since(client, status),
        "licenses": licenses,
        "code": waiting_code(client) if client.is_link and not client.license_key else None,
        "certificate": (
            Certificate.objects.filter(client=client).first() if not client.is_link else None
        ),
        "renewal_note": renewal_note(client, day, all_licenses),
        "actions": [entry for entry in menu_entries(client, status) if entry.step != "link"],
        "next": here,
        "events": events[:RECENT_EVENTS],
        "more_events": len(events) > RECENT_EVENTS,
        "back_url": reverse("clients:list"),
    }
    return render(request, "clients/client_detail.html", context)
