"""Bulk actions and the Renovação worklist: thin views over clients.services.bulk and the Clientes
screen's own filter and table.

A selection is either the ticked rows (`id`, at most a page) or every client the list's
filter matches (`todos`, recomputed here from the filter, never posted as ids); `lista`
says which list: Clientes or Renovação.
"""

from dataclasses import replace
from urllib.parse import urlencode

import django_tables2 as tables
from django.contrib import messages
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from clients.domain.actions import ACTIONS_PERMISSION, Action
from clients.domain.attention import renewal_worklist_q
from clients.domain.money import PriceList, format_brl
from clients.domain.status import Status, today
from clients.scoping import partner_clients
from clients.screen import exports
from clients.screen.filters import ClientFilter
from clients.screen.tables import (
    PER_PAGE,
    WIDE_ONLY,
    ClientPaginator,
    ClientTable,
    table_rows,
)
from clients.services import bulk
from clients.services.charges import renewal_price
from clients.services.credit import balance
from clients.transfer.exporting import CSV
from jobs.running import job_key
from jobs.views import start_job
from partners.permissions import Permission, role_allows

EXPORT = "exportar"
# The menu of the bulk bar: the action's value → its label.
BULK_CHOICES = [
    *((action.value, action.label) for action in bulk.ACTIONS),
    (EXPORT, "Exportar seleção (CSV)"),
]
LISTS = {"clientes": "clients:list", "renovacao": "clients:renewals"}
# Query-string names that are not filters (left out when the selection is the filter).
NOT_FILTERS = {"page", "per_page", "sort", "_export", "id", "todos", "acao", "lista"}


class SelectableClientTable(ClientTable):
    """The Clientes table with a checkbox per row, for the bulk actions (the checkboxes
    belong to the bulk bar's form, outside the table: the ⋮ menus hold forms of their own)."""

    select = tables.Column(
        verbose_name=format_html(
            '<input type="checkbox" class="form-check-input" data-select-page hidden '
            'aria-label="{}">',
            "Selecionar todos desta página",
        ),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"th": {"class": "col-select"}},
    )
    selectable = True  # _client_table.html draws each row's checkbox

    class Meta(ClientTable.Meta):
        sequence = ("select", *ClientTable.Meta.sequence)


class RenewalTable(SelectableClientTable):
    """Renovação's table: the Clientes columns and what renewing each client costs, from the
    prices read once for the page and each row's prefetched licenses (table_rows)."""

    cost = tables.Column("Custo da renovação", empty_values=(), orderable=False, attrs=WIDE_ONLY)
    shows_cost = True

    class Meta(SelectableClientTable.Meta):
        sequence = (*SelectableClientTable.Meta.sequence[:-2], "cost", "status", "actions")

    @cached_property
    def prices(self) -> PriceList:
        return PriceList(self.today)

    def _row(self, client):
        charge = renewal_price(client, self.today, self.prices, client.all_licenses)
        return replace(super()._row(client), cost=format_brl(charge.amount if charge else 0))


def worklist(request):
    """Renovação: the partner's Renovação manual clients due this month or Expirado."""
    return partner_clients(request).filter(renewal_worklist_q(today()))


def _base(request, list_name):
    return worklist(request) if list_name == "renovacao" else partner_clients(request)


def filter_params(request) -> list[tuple[str, str]]:
    """The list's filters from the query string, to carry into the bulk bar's form."""
    return [
        (name, value)
        for name, values in request.GET.lists()
        if name not in NOT_FILTERS
        for value in values
    ]


def bulk_context(request, list_name: str, total: int) -> dict:
    """What the bulk bar of a list (_bulk_bar.html) needs."""
    may_act = role_allows(request.partner_user.role, ACTIONS_PERMISSION)
    return {
        # A role that may not act may still export its selection.
        "bulk_choices": BULK_CHOICES if may_act else [c for c in BULK_CHOICES if c[0] == EXPORT],
        "bulk_list": list_name,
        "bulk_filters": filter_params(request),
        "bulk_total": total,
        "bulk_max": bulk.MAX_CLIENTS,
    }


def selection(request, list_name):
    if request.GET.get("todos"):
        base = _base(request, list_name)
        return ClientFilter(request.GET, queryset=base, request=request).qs
    ids = [
        int(value)
        for value in request.GET.getlist("id")
        if value.isascii() and value.isdigit() and len(value) < 19
    ]
    return partner_clients(request).filter(pk__in=ids)


def _back(request, list_name):
    url = reverse(LISTS[list_name])
    query = urlencode(filter_params(request))
    return f"{url}?{query}" if query else url


@require_GET
def bulk_preview(request):
    """What the chosen action would do to each selected client; nothing changes here."""
    list_name = request.GET.get("lista") if request.GET.get("lista") in LISTS else "clientes"
    action = request.GET.get("acao", "")
    if not request.GET.getlist("id") and not request.GET.get("todos"):
        messages.error(request, "Selecione pelo menos um cliente.")
        return redirect(_back(request, list_name))
    if action == EXPORT:
        return exports.export(
            request,
            source=exports.SELECTION,
            export_format=CSV,
            filename=f"clientes-selecao-{today():%Y-%m-%d}.csv",
            back_url=_back(request, list_name),
        )
    selection_ = selection(request, list_name)
    if action not in {value for value, _ in BULK_CHOICES}:
        messages.error(request, "Escolha uma ação para os clientes selecionados.")
        return redirect(_back(request, list_name))
    try:
        result = bulk.preview(
            action=action, clients=selection_, partner=request.partner, user=request.user
        )
    except bulk.BulkRefused as refused:
        messages.error(request, refused.message)
        return redirect(_back(request, list_name))
    badges = {s: render_to_string("clients/_status_badge.html", {"status": s}) for s in Status}
    # Renovar's charges: a few distinct amounts, each formatted once (up to 5,000 lines).
    amounts = {line.charge for line in result.lines} | {result.total, result.balance}
    brl = {amount: format_brl(amount) for amount in amounts}
    context = {
        "preview": result,
        "back_url": _back(request, list_name),
        "list_name": list_name,
        "charged": result.action == Action.RENEW,
        "total": brl[result.total],
        "balance": brl[result.balance],
        "balance_after": format_brl(result.balance - result.total),
        # Each line with its status badge, rendered once per status, and its charge.
        "rows": [(line, badges[line.status], brl[line.charge]) for line in result.lines],
    }
    return render(request, "clients/bulk_preview.html", context)


@require_POST
def bulk_confirm(request):
    """Apply a preview: a job (clients.tasks.apply_bulk) applies exactly the clients it bound,
    and its page shows the progress, then what was done and what was not, per client."""
    try:
        action, bound = bulk.read_token(
            token=request.POST.get("token", ""), partner=request.partner, user=request.user
        )
    except bulk.BulkRefused as refused:
        messages.error(request, refused.message)
        return redirect("clients:list")
    list_name = request.POST.get("lista") if request.POST.get("lista") in LISTS else "clientes"
    rows = bulk.bound_rows(bound)
    return start_job(
        request,
        kind="bulk",
        title=bulk.job_title(action, len(bound)),
        task_path="clients.tasks.apply_bulk",
        key=job_key("bulk", request.partner.pk, request.user.pk, action.value, rows),
        arguments={"action": action.value, "bound": rows},
        permission=Permission.CHANGE,
        back_url=reverse(LISTS[list_name]),
        total=len(bound),
    )


def renewals(request):
    """Renovação: the month's renewals, with the Clientes screen's filters, columns and menu."""
    filterset = ClientFilter(request.GET, queryset=worklist(request), request=request)
    table = RenewalTable(
        table_rows(filterset.qs),
        order_by=("expires_on",),
        may_act=role_allows(request.partner_user.role, ACTIONS_PERMISSION),
    )
    RequestConfig(
        request, paginate={"per_page": PER_PAGE, "paginator_class": ClientPaginator}
    ).configure(table)
    context = {
        "filter": filterset,
        "table": table,
        "balance": format_brl(balance(request.partner)),
        **bulk_context(request, "renovacao", table.paginator.count),
    }
    return render(request, "clients/renewals.html", context)
