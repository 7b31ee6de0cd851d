"""Crédito: the partner's balance and its extrato — the ledger's entries (clients.models.
CreditEntry), newest first, filtered by month and kind, paged with django-tables2 like
Atividade, and exported as CSV. Every role sees it: it changes nothing.

The entries are read only as `partner_entries(request)`, the partner's own, through the
ledger's indexes (the partner's entries by time; by kind and time): a month is a range of
`at`, so the page, its count and the month's totals are index ranges. The month picker lists
the months from the partner's first entry to this one (one indexed read of the oldest entry,
not a scan of the ledger), newest first; without a month the extrato is the whole ledger,
newest first, as a bank's app shows it.
"""

import datetime

import django_filters
import django_tables2 as tables
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.db.models import Q, Sum
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html

from clients.domain.attention import local_midnight
from clients.domain.dates import add_months
from clients.domain.documents import format_document
from clients.domain.money import format_brl
from clients.domain.status import month_start, today
from clients.models import CreditEntry, EntryKind
from clients.screen.activity import as_text
from clients.screen.tables import PagedQuerysetData
from clients.services.credit import balance
from clients.transfer.exporting import csv_text, read_chunks

PER_PAGE = 50
EXPORT_PARAM = "_export"
KINDS = dict(EntryKind.choices)
MONTH_NAMES = (
    "janeiro",
    "fevereiro",
    "março",
    "abril",
    "maio",
    "junho",
    "julho",
    "agosto",
    "setembro",
    "outubro",
    "novembro",
    "dezembro",
)


def partner_entries(request):
    """The one door into the ledger: the signed-in partner's entries."""
    return CreditEntry.objects.filter(partner=request.partner)


def month_value(day: datetime.date) -> str:
    return f"{day:%Y-%m}"


def month_label(day: datetime.date) -> str:
    return f"{MONTH_NAMES[day.month - 1]} de {day.year}"


def month_choices(entries, day: datetime.date) -> list[tuple[str, str]]:
    """The months from the oldest of `entries` through `day`'s, newest first."""
    oldest = entries.order_by("at", "id").values_list("at", flat=True).first()
    if oldest is None:
        return []
    first, month = month_start(timezone.localtime(oldest).date()), month_start(day)
    months = []
    while month >= first:
        months.append((month_value(month), month_label(month)))
        month = add_months(month, -1)
    return months


def month_range(value: str) -> tuple[datetime.datetime, datetime.datetime]:
    """ "2026-05" → the first moment of May 2026 and of June 2026, in São Paulo."""
    first = datetime.date(int(value[:4]), int(value[5:7]), 1)
    return local_midnight(first), local_midnight(add_months(first, 1))


class CreditFilterForm(forms.Form):
    @cached_property
    def helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(
                Column("mes", css_class="col-12 col-md-4"),
                Column("tipo", css_class="col-12 col-md-4"),
            )
        )
        return helper


class CreditFilter(django_filters.FilterSet):
    """Month and kind. An invalid value (a month not in the list, an unknown kind) is shown
    in the form with its reason and filters nothing (django-filter drops it from
    cleaned_data)."""

    mes = django_filters.ChoiceFilter(
        label="Mês", method="filter_month", choices=[], empty_label="Todos os meses"
    )
    tipo = django_filters.ChoiceFilter(
        label="Tipo", field_name="kind", choices=EntryKind.choices, empty_label="Todos"
    )

    class Meta:
        model = CreditEntry
        fields = []
        form = CreditFilterForm

    def __init__(self, data=None, *args, months=(), **kwargs):
        super().__init__(data, *args, **kwargs)
        self.filters["mes"].extra["choices"] = months

    def filter_month(self, queryset, name, value):
        start, end = month_range(value)
        return queryset.filter(at__gte=start, at__lt=end)

    @property
    def applied(self) -> bool:
        return any(self.data.get(name) for name in self.filters)

    def valid(self, name: str) -> str | None:
        """The filter's value if it was asked for and is valid."""
        if not self.is_bound:
            return None
        self.errors  # noqa: B018 -- validates the form, as `qs` does
        return self.form.cleaned_data.get(name) or None


def signed_brl(centavos: int) -> str:
    """+R$ 10,00 for a credit, -R$ 49,90 for a debit: the sign, not only the colour, says it."""
    return f"+{format_brl(centavos)}" if centavos > 0 else format_brl(centavos)


class CreditTable(tables.Table):
    """The extrato. On a phone (portal.css) the wide columns hide and the Lançamento cell
    repeats them on lines of its own, as the Clientes list does: each row reads date, kind and
    amount on its first line, then the description, the balance after and the client."""

    # The amount beside the entry, before the balance and the client.
    at = tables.Column("Data", orderable=False)
    description = tables.Column("Lançamento", orderable=False, attrs={"td": {"class": "col-entry"}})
    amount = tables.Column(
        "Valor", orderable=False, attrs={"th": {"class": "text-end"}, "td": {"class": "text-end"}}
    )
    balance_after = tables.Column(
        "Saldo depois",
        orderable=False,
        attrs={
            "th": {"class": "text-end col-wide"},
            "td": {"class": "text-end text-nowrap col-wide"},
        },
    )
    client = tables.Column(
        "Cliente",
        orderable=False,
        empty_values=(),
        attrs={"th": {"class": "col-wide"}, "td": {"class": "col-wide"}},
    )

    class Meta:
        model = CreditEntry
        fields = ("at", "description", "amount", "balance_after", "client")
        attrs = {"class": "table table-sm bg-white align-top credit-table mb-0"}
        empty_text = "Nenhum lançamento encontrado."
        # django-tables2's header and pager; the body one loop over page_rows.
        template_name = "clients/_credit_table.html"

    @cached_property
    def page_rows(self) -> list[list[tuple[str, str]]]:
        """Each entry of the page as its cells: (the column's td attributes, the cell), drawn by
        the render_* methods below once. A speed device, as the Clientes list's page_rows:
        django-tables2's own row loop (a signature inspection and a context per cell) made
        the page 2.1× the Clientes floor page with 1,000,000 entries, this loop 1.1×
        (docs/performance.md, make bench-credit)."""
        columns = [(column.attrs["td"].as_html(), column.name) for column in self.columns]
        cells = {
            "at": lambda entry: self.render_at(entry.at),
            "description": self.render_description,
            "amount": self.render_amount,
            "balance_after": self.render_balance_after,
            "client": self.render_client,
        }
        return [
            [(attrs, cells[name](entry)) for attrs, name in columns]
            for entry in self.paginated_rows.data
        ]

    def __init__(self, *args, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner
        self._clients = {}  # entry id → its client cell, drawn once for both places

    def render_at(self, value):
        # strftime, not a template column: a template per cell was a fifth of the page.
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")

    def render_description(self, record):
        """The kind, the description under it, and (shown only on a phone) the wide columns."""
        return format_html(
            '<span class="fw-semibold">{}</span><span class="d-block">{}</span>'
            '<span class="row-summary">Saldo depois: <span class="text-nowrap">{}</span>'
            '<span class="d-block">Cliente: {}</span></span>',
            record.get_kind_display(),
            record.description,
            self.render_balance_after(record),
            self.render_client(record),
        )

    def render_client(self, record):
        if record.pk not in self._clients:
            self._clients[record.pk] = self._client_cell(record)
        return self._clients[record.pk]

    def _client_cell(self, record):
        # Only a client of the signed-in partner is ever named or linked, whatever the row
        # says (an entry always names its own partner's client; this keeps it so).
        client = record.client
        if client is None or client.partner_id != self.partner.pk:
            return "—"
        link = format_html(
            '<a href="{}">{}</a>', reverse("clients:detail", args=[client.pk]), client.name
        )
        if record.event_id is None:
            return link
        history = reverse("clients:history", args=[client.pk])
        return format_html(
            '{}<a class="d-block small" href="{}#evento-{}">Ver no histórico</a>',
            link,
            history,
            record.event_id,
        )

    def render_amount(self, record):
        tone = "text-success" if record.amount > 0 else "text-danger"
        return format_html(
            '<span class="fw-semibold text-nowrap {}">{}</span>', tone, signed_brl(record.amount)
        )

    def render_balance_after(self, record):
        return format_brl(record.balance_after)


def month_totals(rows) -> dict[str, int]:
    """Entradas and saídas of the filtered rows (centavos; saídas as a positive number)."""
    totals = rows.order_by().aggregate(
        entradas=Sum("amount", filter=Q(amount__gt=0)), saidas=Sum("amount", filter=Q(amount__lt=0))
    )
    return {"entradas": totals["entradas"] or 0, "saidas": -(totals["saidas"] or 0)}


def credit(request):
    entries = partner_entries(request)
    day = today()
    filterset = CreditFilter(
        request.GET or None, queryset=entries, months=month_choices(entries, day)
    )
    rows = filterset.qs.order_by("-at", "-id")
    month = filterset.valid("mes")
    if request.GET.get(EXPORT_PARAM) == "csv":
        name = f"extrato-credito-{month or f'{day:%Y-%m-%d}'}.csv"
        return csv_response(rows, request.partner, name)
    # Each page's ids first, over the index, then only its rows with their clients.
    table = CreditTable(PagedQuerysetData(rows.select_related("client")), partner=request.partner)
    tables.RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    query = request.GET.copy()
    query.pop("page", None)
    query[EXPORT_PARAM] = "csv"
    totals = month_totals(rows) if month else None
    context = {
        "balance": format_brl(balance(request.partner)),
        "filter": filterset,
        "table": table,
        "month_label": dict(filterset.filters["mes"].extra["choices"]).get(month),
        "kind_label": KINDS.get(filterset.valid("tipo")),
        "totals": totals and {key: format_brl(value) for key, value in totals.items()},
        "export_url": f"{request.path}?{query.urlencode()}",
    }
    return render(request, "clients/credit.html", context)


# CSV -----------------------------------------------------------------------------------------

# Amounts as decimal reais with a comma and no grouping ("-49,90"), signed: what a spreadsheet
# in Portuguese reads as a number (the file's cells are separated by ";").
HEADER = [
    "Data",
    "Tipo",
    "Descrição",
    "ID do cliente",
    "Cliente",
    "CPF/CNPJ",
    "Valor (R$)",
    "Saldo depois (R$)",
]
FIELDS = [
    "at",
    "kind",
    "description",
    "client_id",
    "client__partner_id",
    "client__name",
    "client__cpf_cnpj",
    "amount",
    "balance_after",
]


def decimal_reais(centavos: int) -> str:
    """-4990 → "-49,90"; 123456 → "1234,56" (integers only: no float ever holds money)."""
    whole, cents = divmod(abs(centavos), 100)
    return f"{'-' if centavos < 0 else ''}{whole},{cents:02d}"


def csv_rows(chunks, partner_id: int):
    for chunk in chunks:
        rows = []
        for at, kind, description, client_id, owner, name, document, amount, after in chunk:
            ours = client_id is not None and owner == partner_id
            rows.append(
                [
                    timezone.localtime(at).strftime("%d/%m/%Y %H:%M"),
                    KINDS.get(kind, kind),
                    as_text(description),
                    client_id if ours else "",
                    as_text(name) if ours else "",
                    format_document(document) if ours else "",
                    decimal_reais(amount),
                    decimal_reais(after),
                ]
            )
        yield rows


def csv_response(rows, partner, filename: str):
    chunks = read_chunks(rows, FIELDS)
    response = StreamingHttpResponse(
        csv_text(HEADER, csv_rows(chunks, partner.pk)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
