"""The Clientes table (django-tables2); its export is clients.transfer.exporting.

django-tables2 declares the columns, their headers and ordering, and pages the clients;
_client_table.html draws each row of the page in one template loop, from what `page_rows` read
for it (its status, formatted values, Link details and ⋮ menu entries). Drawn by django-tables2
itself — a `render_<column>` call per cell, each through its accessor and a signature
inspection — the status filters took 4.7–7.9× the benchmark's floor page (`make bench`, where
the budget is 2×); through this loop, 1.3–1.9×.
"""

from dataclasses import dataclass

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django_tables2.data import TableQuerysetData
from django_tables2.utils import OrderBy

from clients.domain import attention
from clients.domain.actions import MENU_STEP, allowed_actions
from clients.domain.documents import format_document
from clients.domain.modules import COUNTED_MODULES
from clients.domain.quantities import describe_license, pending_reduction
from clients.domain.status import Status, client_status, with_status
from clients.domain.status import today as local_today
from clients.models import Client, License, Module, RegistrationCode
from clients.transfer.columns import render_date as format_date

PER_PAGE = 50
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class MenuEntry:
    label: str
    # "form" | "confirm" | "post" (clients.domain.actions.MENU_STEP), "link" for Histórico
    step: str
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
    """What the table reads: the clients with their certificate (for the Navi rows' badge) in
    the page's own query, and for the Link details their licenses and unused registration
    codes, two more queries whatever the page's size. Each row's status is the rule's Python
    form (clients.domain.status.client_status, the SQL's twin): the SQL CASE is added only to
    order by it (PagedQuerysetData.order_by)."""
    queryset = queryset.select_related("certificate").defer(
        "certificate__encrypted_file", "certificate__encrypted_password"
    )
    queryset = queryset.prefetch_related(
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
    walks an index that holds the sort key, the filters and the id (on PostgreSQL,
    `client_partner_name_cover` and the other indexes of Client), without reading the table,
    so a deep page (OFFSET 50,000) costs milliseconds; only the page's 50 rows are then read.
    """

    def order_by(self, aliases):
        # Ordering by status orders by its SQL form (clients.domain.status.with_status).
        if any(OrderBy(alias).bare == "status" for alias in aliases):
            self.data = with_status(self.data)
        super().order_by(aliases)

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


@dataclass(frozen=True)
class LinkDetails:
    """What a Link row's details show besides the client's own version and key."""

    licenses: str | None
    modules: str
    code: str | None  # the newest unused registration code


@dataclass(frozen=True)
class ClientRow:
    """One row of the Clientes table."""

    client: Client
    status: Status
    url: str
    document: str
    registered_on: str
    product: str
    expires_on: str
    hints: list  # (text, tone) of each warning (clients.domain.attention.row_hints)
    link: LinkDetails | None
    entries: list  # the ⋮ menu's MenuEntry list
    renewal: str
    cost: str = ""  # what Renovar costs (the Renovação table's column)


def hidden_header(text):
    return format_html('<span class="visually-hidden">{}</span>', text)


# On a phone these columns hide; the name's cell repeats them on a line of its own.
WIDE_ONLY = {"th": {"class": "col-wide"}}


class ClientTable(tables.Table):
    """The columns (headers, ordering) of the Clientes and Renovação tables; the cells of a
    page are drawn by _client_table.html from `page_rows`, in the order of Meta.sequence."""

    details = tables.Column(
        verbose_name=hidden_header("Detalhes do Link"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"th": {"class": "col-toggle"}},
    )
    id = tables.Column("ID", accessor="pk", order_by=("pk",))
    name = tables.Column("Nome", order_by=("name", "pk"))
    cpf_cnpj = tables.Column("CPF/CNPJ", order_by=("cpf_cnpj", "pk"), attrs=WIDE_ONLY)
    registered_on = tables.Column(
        "Data de cadastro", order_by=("registered_on", "pk"), attrs=WIDE_ONLY
    )
    product = tables.Column("Produto", order_by=("product", "name", "pk"), attrs=WIDE_ONLY)
    expires_on = tables.Column("Vencimento", order_by=("expires_on", "pk"), attrs=WIDE_ONLY)
    renewal = tables.Column("Renovação", order_by=("renewal", "name", "pk"), attrs=WIDE_ONLY)
    # status_value: the SQL CASE, which PagedQuerysetData adds to order by it.
    status = tables.Column("Status", accessor="status_value", order_by=("status_value", "pk"))
    actions = tables.Column(
        verbose_name=hidden_header("Ações"),
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
            "renewal",
            "status",
            "actions",
        )
        order_by = ("name",)
        per_page = PER_PAGE
        template_name = "clients/_client_table.html"
        empty_text = "Nenhum cliente encontrado com estes filtros."
        attrs = {"class": "table table-hover align-middle mb-0 client-table"}

    selectable = False  # a checkbox per row (SelectableClientTable)
    shows_cost = False  # a renewal cost column (the Renovação table)

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

    def __init__(self, *args, may_act=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.may_act = may_act  # the user's role may take the ⋮ actions
        self.today = local_today()
        self._urls = RowUrls()

    @cached_property
    def page_rows(self) -> list[ClientRow]:
        """What _client_table.html draws for each client of the page."""
        return [self._row(client) for client in self.paginated_rows.data]

    def _row(self, client) -> ClientRow:
        status = client_status(client, self.today)
        return ClientRow(
            client=client,
            status=status,
            url=self._urls("clients:detail", client.pk),
            document=format_document(client.cpf_cnpj),
            registered_on=format_date(client.registered_on),
            product=client.get_product_display(),
            expires_on=format_date(client.expires_on),
            hints=attention.row_hints(client, self.today),
            link=self._link_details(client) if client.is_link else None,
            entries=menu_entries(client, status, self._urls, self.may_act),
            renewal=client.get_renewal_display(),
        )

    def _link_details(self, client) -> LinkDetails:
        main, modules = None, []
        for license in client.all_licenses:
            count = license.current_quantity(self.today)
            if license.module == Module.MAIN:
                main = license
            elif count:
                modules.append(module_in_force(license, count, self.today))
        return LinkDetails(
            # In force today, and a reduction scheduled for next month.
            licenses=describe_license(main, self.today) if main else None,
            modules=", ".join(modules),
            code=client.unused_codes[0].code if client.unused_codes else None,
        )


def module_in_force(license, count: int, today) -> str:
    """'Monitor de Cozinha (3)', 'Link Garçom (2; 1 a partir de 01/04/2026)', 'Cloud',
    'Cloud (removido a partir de 01/04/2026)': the Link row's modules."""
    label, reduction = Module(license.module).label, pending_reduction(license, today)
    if license.module in COUNTED_MODULES:
        later = f"; {reduction[0]} a partir de {format_date(reduction[1])}" if reduction else ""
        return f"{label} ({count}{later})"
    return f"{label} (removido a partir de {format_date(reduction[1])})" if reduction else label
