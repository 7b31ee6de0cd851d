"""Reference views for the benchmarks (benchmarks.settings only; never mounted by the product)."""

from django.core.paginator import Paginator
from django.db import connection
from django.shortcuts import render

from clients.domain.status import with_status
from clients.scoping import partner_clients
from clients.screen.filters import ClientFilter
from clients.screen.tables import PER_PAGE, ClientTable
from licenses.api import api_view, json_response


@api_view("GET")
def select_1(request):
    """The check-in benchmark's reference: the API's floor plus one round trip to the database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return json_response({"ok": True})


def clients_floor(request):
    """The list benchmark's floor: the Clientes page's rows, the same ones (same partner,
    filter, order and page), in the same page chrome and middleware, rendered by a plain
    template loop — no django-tables2, no ⋮ menus, no Link details, no counts."""
    filterset = ClientFilter(request.GET, queryset=partner_clients(request), request=request)
    sort = request.GET.get("sort", "name")
    column = ClientTable.base_columns.get(sort.removeprefix("-"))
    order = list(column.order_by) if column and column.order_by else ["name", "pk"]
    if sort.startswith("-"):
        order = [f"-{field}" for field in order]
    rows = with_status(filterset.qs).order_by(*order)
    paginator = Paginator(rows, PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    # The product's two-step page read (ids over the index first), so that deep pages compare.
    start = (page.number - 1) * PER_PAGE
    page.object_list = rows.filter(pk__in=rows.values("pk")[start : start + PER_PAGE])
    return render(request, "bench/floor.html", {"page": page})
