"""The Clientes table (django-tables2) and its streamed export.

Rendering dominates the list page (PERFORMANCE.md), so cells are `render_<column>` methods,
not per-cell templates: the status badge is rendered once per status, and only the two
per-row partials that carry markup (the Link details and the ⋮ menu) use a template.
"""

import tempfile
from dataclasses import dataclass

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import FileResponse, StreamingHttpResponse
from django.template.loader import get_template
from django.urls import reverse
from django.utils.html import format_html
from django_tables2.data import TableQuerysetData
from django_tables2.export import TableExport
from openpyxl import Workbook

from clients.actions import MENU_STEP, allowed_actions
from clients.csv_columns import FILE_MODULES, render_switch
from clients.csv_columns import render_date as format_date
from clients.documents import format_document
from clients.exporting import csv_lines, read_in_chunks, with_licenses
from clients.models import Client, License, Module, Product, RegistrationCode
from clients.quantities import COUNTED_MODULES, ON_OFF_MODULES, describe_license
from clients.status import Status, with_status
from clients.status import today as local_today

PER_PAGE = 50
MAX_PER_PAGE = 100
EXPORT_FORMATS = (TableExport.CSV, TableExport.XLSX)
EXPORT_CHUNK_SIZE = 2000


@dataclass(frozen=True)
class MenuEntry:
    label: str
    step: str  # "form" | "confirm" | "post" (clients.actions.MENU_STEP), "link" for Histórico
    url: str


class RowUrls:
    """Reverses each row URL once per page, then puts each row's pk in it.

    `reverse()` is the dearest part of the ⋮ menu (4 URLs × 50 rows per page); the URLs differ
    only by the pk, so each name is reversed once with a placeholder pk.
    """

    PLACEHOLDER = str(2**62)  # no client has this id

    def __init__(self):
        self._patterns = {}

    def __call__(self, name, pk, *args):
        key = (name, args)
        if key not in self._patterns:
            self._patterns[key] = reverse(name, args=[self.PLACEHOLDER, *args])
        return self._patterns[key].replace(self.PLACEHOLDER, str(pk), 1)


def menu_entries(client, status: Status, urls=None, may_act=True) -> list[MenuEntry]:
    """The ⋮ menu of one client: its allowed actions (if the user's role may act), then its
    history."""
    urls = urls or RowUrls()
    entries = []
    for action in allowed_actions(client, status) if may_act else ():
        step = MENU_STEP[action]
        if step == "confirm":
            url = urls("clients:confirm", client.pk, action.value)
        else:
            url = urls(f"clients:{action.value}", client.pk)
        entries.append(MenuEntry(action.label, step, url))
    entries.append(MenuEntry("Histórico", "link", urls("clients:history", client.pk)))
    return entries


def table_rows(queryset):
    """What the table reads: the status (for the badge, the menu and ordering) and, for the
    Link details, the licenses (main count and modules) and the unused registration code —
    two queries per page, whatever its size."""
    # The certificate (for the Navi rows' badge) comes in the page's own query, without its
    # encrypted file.
    queryset = queryset.select_related("certificate").defer(
        "certificate__encrypted_file", "certificate__encrypted_password"
    )
    queryset = with_status(queryset).prefetch_related(
        Prefetch("licenses", queryset=License.objects.order_by("module"), to_attr="all_licenses"),
        Prefetch(
            "registration_codes",
            queryset=RegistrationCode.objects.filter(consumed_at__isnull=True).order_by(
                "-created_at", "-pk"
            ),
            to_attr="unused_codes",
        ),
    )
    return PagedQuerysetData(queryset)


class PagedQuerysetData(TableQuerysetData):
    """The table's queryset, whose pages are read in two steps within one query.

    `WHERE id IN (SELECT id … ORDER BY … LIMIT 50 OFFSET n) ORDER BY …`: the inner select
    walks an index that holds the sort key, the filters and the id (on PostgreSQL, see
    migration clients 0003), without reading the table, so a deep page (OFFSET 50,000) costs
    milliseconds; only the page's 50 rows are then read.
    """

    def __getitem__(self, key):
        if isinstance(key, slice):
            return self.data.filter(pk__in=self.data.values("pk")[key])
        return self.data[key]


class ClientPaginator(Paginator):
    """Django's paginator with the page size bounded, whatever `per_page` the URL asks for,
    and the row count given when it is already known (no COUNT query then)."""

    def __init__(self, object_list, per_page, *args, count=None, **kwargs):
        per_page = min(int(per_page), MAX_PER_PAGE) if int(per_page) > 0 else PER_PAGE
        super().__init__(object_list, per_page, *args, **kwargs)
        if count is not None:
            self.count = count  # overrides the cached_property


WIDE_ONLY = {"th": {"class": "col-wide"}, "td": {"class": "col-wide"}}


class ClientTable(tables.Table):
    details = tables.Column(
        verbose_name=format_html('<span class="visually-hidden">{}</span>', "Detalhes do Link"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"th": {"class": "col-toggle"}},
    )
    id = tables.Column("ID", accessor="pk", order_by=("pk",))
    name = tables.Column("Nome", order_by=("name", "pk"), attrs={"td": {"class": "col-name"}})
    # On a phone these four hide; the name's cell repeats them on a line of its own.
    cpf_cnpj = tables.Column("CPF/CNPJ", order_by=("cpf_cnpj", "pk"), attrs=WIDE_ONLY)
    registered_on = tables.Column(
        "Data de cadastro", order_by=("registered_on", "pk"), attrs=WIDE_ONLY
    )
    product = tables.Column("Produto", order_by=("product", "name", "pk"), attrs=WIDE_ONLY)
    expires_on = tables.Column("Vencimento", order_by=("expires_on", "pk"), attrs=WIDE_ONLY)
    status = tables.Column("Status", accessor="status_value", order_by=("status_value", "pk"))
    actions = tables.Column(
        verbose_name=format_html('<span class="visually-hidden">{}</span>', "Ações"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"th": {"class": "col-actions"}},
    )

    class Meta:
        model = Client
        fields = ()
        sequence = (
            "details",
            "id",
            "name",
            "cpf_cnpj",
            "registered_on",
            "product",
            "expires_on",
            "status",
            "actions",
        )
        order_by = ("name",)
        per_page = PER_PAGE
        template_name = "clients/_client_table.html"
        empty_text = "Nenhum cliente encontrado com estes filtros."
        attrs = {"class": "table table-hover align-middle mb-0 client-table"}
        row_attrs = {"data-id": lambda record: record.pk}

    @property
    def order_by(self):
        return tables.Table.order_by.fget(self)

    @order_by.setter
    def order_by(self, value):
        # Only this table's own column names from the URL: django-tables2 would try any other
        # (say `?sort=a.b`) as an accessor path before ignoring it.
        aliases = [value] if isinstance(value, str) else list(value or ())
        aliases = [alias for item in aliases for alias in item.split(",")]
        names = [alias for alias in aliases if alias.removeprefix("-") in self.base_columns]
        tables.Table.order_by.fset(self, names)

    def __init__(self, *args, csrf_token="", may_act=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.csrf_token = csrf_token
        self.may_act = may_act  # the user's role may take the ⋮ actions
        self.today = local_today()
        self._badges = {}
        self._details_template = get_template("clients/_link_details.html")
        self._menu_template = get_template("clients/_actions_menu.html")
        self._urls = RowUrls()

    def render_name(self, record, value):
        return format_html(
            '<a class="client-link" href="{}">{}</a>'
            '<span class="row-summary">{} · {} · vencimento {}</span>',
            self._urls("clients:detail", record.pk),
            value,
            format_document(record.cpf_cnpj),
            record.get_product_display(),
            format_date(record.expires_on),
        )

    def render_cpf_cnpj(self, value):
        return format_document(value)

    def render_registered_on(self, value):
        return format_date(value)

    def render_expires_on(self, value):
        return format_date(value)

    def render_status(self, value):
        # Six statuses at most: render the badge partial once for each.
        if value not in self._badges:
            self._badges[value] = get_template("clients/_status_badge.html").render(
                {"status": Status(value)}
            )
        return self._badges[value]

    def render_details(self, record):
        if not record.is_link:
            return ""
        main, modules = None, []
        for license in record.all_licenses:
            count = license.current_quantity(self.today)
            if license.module == Module.MAIN:
                main = license
            elif count:
                label = Module(license.module).label
                modules.append(f"{label} ({count})" if license.module in COUNTED_MODULES else label)
        code = record.unused_codes[0] if record.unused_codes else None
        return self._details_template.render(
            {
                "client": record,
                # In force today, and a reduction scheduled for next month.
                "licenses": describe_license(main, self.today) if main else None,
                "modules": modules,
                "code": code,
            }
        )

    def render_actions(self, record):
        return self._menu_template.render(
            {
                "client": record,
                "entries": menu_entries(
                    record, Status(record.status_value), self._urls, self.may_act
                ),
                "csrf_token": self.csrf_token,
            }
        )


def spreadsheet_text(value: str) -> str:
    """Free text as a spreadsheet reads it: a leading =, +, - or @ would start a formula
    (CSV injection), so such a cell gets the apostrophe that marks it as text."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@") else value


# Plain-text form of each exported column (the table renders the same values as HTML).
EXPORT_FORMATTERS = {
    "name": spreadsheet_text,  # the plain name, not the cell's link and summary
    "cpf_cnpj": format_document,
    "registered_on": format_date,
    "expires_on": format_date,
    "product": lambda value: Product(value).label,
    "status": lambda value: Status(value).label,
}


def _module_formatter(module):
    return render_switch if module in ON_OFF_MODULES else None


class StreamingExport:
    """The table's export (django-tables2's `_export` formats), streamed in flat memory.

    django-tables2's TableExport builds a tablib Dataset of every row first; here the rows
    come from the table's filtered, ordered queryset a chunk at a time (clients.exporting
    .read_in_chunks): CSV is streamed as it is read, XLSX is written row by row by openpyxl's
    write-only workbook into a temporary file.
    """

    def __init__(self, table: ClientTable, export_format: str):
        if export_format not in EXPORT_FORMATS:
            raise ValueError(f"Unsupported export format: {export_format}")
        self.format = export_format
        self.columns = [column for column in table.columns if not column.column.exclude_from_export]
        queryset = table.data.data.prefetch_related(None)
        self.queryset = with_licenses(queryset, FILE_MODULES, table.today)

    def header(self):
        return [str(column.header) for column in self.columns] + [
            Module(module).label for module in FILE_MODULES
        ]

    def rows(self):
        formatters = [EXPORT_FORMATTERS.get(column.name) for column in self.columns]
        accessors = [str(column.accessor) for column in self.columns]
        formatters += [_module_formatter(module) for module in FILE_MODULES]
        accessors += [f"license_{module}_in_force" for module in FILE_MODULES]
        for row in read_in_chunks(self.queryset, accessors, EXPORT_CHUNK_SIZE):
            values = (row[accessor] for accessor in accessors)
            yield [
                fmt(value) if fmt else value for fmt, value in zip(formatters, values, strict=True)
            ]

    def response(self, filename: str):
        if self.format == TableExport.CSV:
            response = StreamingHttpResponse(
                self._csv_lines(), content_type="text/csv; charset=utf-8"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        return FileResponse(
            self._xlsx_file(),
            as_attachment=True,
            filename=filename,
            content_type=TableExport.FORMATS[TableExport.XLSX],
        )

    def _csv_lines(self):
        return csv_lines(self.header(), self.rows())

    def _xlsx_file(self):
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Clientes")
        sheet.append(self.header())
        for row in self.rows():
            sheet.append(row)
        file = tempfile.TemporaryFile()  # noqa: SIM115 -- FileResponse closes it
        workbook.save(file)
        file.seek(0)
        return file
