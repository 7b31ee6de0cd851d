"""The Clientes table (django-tables2); its export is clients.transfer.exporting.

Rendering dominates the list page (PERFORMANCE.md): django-tables2 declares the columns, their
headers, the ordering and the export, but the page's rows are plain data built once per page
(`ClientTable.page_rows`), each drawn from _client_row.html rendered once per shape of row and
filled per row (`Stencil`): the status badge rendered once per status, the ⋮ menu once per kind
of row, the URLs reversed once per page.
"""

import html
import weakref
from dataclasses import dataclass
from types import SimpleNamespace

import django_tables2 as tables
from django.core.paginator import Paginator
from django.template.loader import get_template
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django_tables2.data import TableQuerysetData
from django_tables2.utils import OrderBy

from clients.domain import attention
from clients.domain.actions import MENU_STEP, allowed_actions
from clients.domain.documents import format_document
from clients.domain.quantities import COUNTED_MODULES, describe_license
from clients.domain.status import Status, client_status, with_status
from clients.domain.status import today as local_today
from clients.models import Client, License, Module, Product, RegistrationCode
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


def format_pattern(html_text: str, slots: dict[str, str]) -> str:
    """`html_text`, rendered with a placeholder text for each name of `slots`, as a str.format
    pattern of those names (its own braces doubled first, so nothing in it is read as one)."""
    pattern = html_text.replace("{", "{{").replace("}", "}}")
    for name, placeholder in slots.items():
        pattern = pattern.replace(placeholder, "{" + name + "}")
    return pattern


class Stencil:
    """A template of one row, rendered once per *shape* of row and filled per row.

    The shape is which of the row's values are empty (None, "", 0, False — kept as they are,
    so that the template's `{% if %}`s and `default` filters see them); each other value is
    a placeholder in the rendering, which becomes a str.format pattern. A row is then its
    values put into its shape's pattern, escaped as the template escapes them (safe HTML as
    it is) and never read again as placeholders. So the template may test a value for truth
    and print it, nothing else: a comparison or a filter that changes a value belongs where
    the values are computed (a placeholder it changed is reported).

    Rendering a template per row was most of the list page's Python (README, "Speed"): a page
    of 50 rows has a handful of shapes, and the patterns are kept for the process, per
    template (the template loader's own object: a template edited under DEBUG, which the
    loader reads again, is drawn again), `context` (hashable values) and shape.
    """

    _patterns = weakref.WeakKeyDictionary()

    def __init__(self, template_name, context=None, *, strip=False):
        self.template = get_template(template_name)
        self.context = context or {}
        self.strip = strip  # drop the whitespace around the template's HTML
        by_context = self._patterns.setdefault(self.template.template, {})
        self._shapes = by_context.setdefault((tuple(self.context.items()), strip), {})

    def render(self, values: dict) -> SafeString:
        shape = tuple(value if not value else True for value in values.values())
        pattern = self._shapes.get(shape)
        if pattern is None:
            pattern = self._shapes[shape] = self._pattern(values)
        filled = {
            name: value if hasattr(value, "__html__") else html.escape(str(value))
            for name, value in values.items()
            if value
        }
        return mark_safe(pattern.format_map(filled))  # noqa: S308 -- escaped above

    def _pattern(self, values: dict) -> str:
        slots = {name: f"__stencil_{name}__" for name, value in values.items() if value}
        row = {name: slots.get(name, value) for name, value in values.items()}
        rendered = self.template.render({**self.context, "row": row})
        pattern = format_pattern(rendered.strip() if self.strip else rendered, slots)
        if "__stencil_" in pattern.lower():
            raise ValueError(f"{self.template.origin.template_name} changes a value it prints")
        return pattern


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
    """What the table reads: the clients with their certificate (for the Navi rows' badge), in
    the page's own query; the page's rows then read their Link details in two more
    (`link_data`), whatever the page's size. Each row's status is the rule's Python form
    (clients.domain.status.client_status, the SQL's twin): the SQL CASE is added only to order by it
    (PagedQuerysetData.order_by), as it cost the page more than its rows' own Python."""
    # The certificate without its encrypted file.
    queryset = queryset.select_related("certificate").defer(
        "certificate__encrypted_file", "certificate__encrypted_password"
    )
    return PagedQuerysetData(queryset)


def link_data(clients) -> None:
    """Sets `all_licenses` (main count and modules, by module) and `unused_codes` (newest
    first) on each of `clients`: two queries, as `prefetch_related` would run them, without
    its per-object machinery (a fifth of the rows' Python)."""
    licenses, codes = {}, {}
    if clients:
        pks = [client.pk for client in clients]
        for license in License.objects.filter(client_id__in=pks).order_by("module"):
            licenses.setdefault(license.client_id, []).append(license)
        unused = RegistrationCode.objects.filter(consumed_at__isnull=True, client_id__in=pks)
        for code in unused.order_by("-created_at", "-pk"):
            codes.setdefault(code.client_id, []).append(code)
    for client in clients:
        client.all_licenses = licenses.get(client.pk, [])
        client.unused_codes = codes.get(client.pk, [])


class PagedQuerysetData(TableQuerysetData):
    """The table's queryset, whose pages are read in two steps within one query.

    `WHERE id IN (SELECT id … ORDER BY … LIMIT 50 OFFSET n) ORDER BY …`: the inner select
    walks an index that holds the sort key, the filters and the id (on PostgreSQL, see
    migration clients 0003), without reading the table, so a deep page (OFFSET 50,000) costs
    milliseconds; only the page's 50 rows are then read.
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


# Stand for the client's name and the page's CSRF token in the ⋮ menu drawn once per kind of row.
MENU_NAME_SLOT = "__client_name__"
MENU_CSRF_SLOT = "__csrf_token__"
MENU_PATTERNS = weakref.WeakKeyDictionary()  # {template: {(entries, CSRF?): pattern}}

WIDE_ONLY = {"th": {"class": "col-wide"}}

HINT_BADGE = '<span class="badge rounded-pill text-bg-{tone} row-hint-badge">{text}</span>'
PRODUCT_LABELS = dict(Product.choices)


class ClientTable(tables.Table):
    """The columns (headers, ordering, export) of the Clientes table; the cells of its page
    are drawn by _client_table.html from `page_rows`, in the order of Meta.sequence."""

    details = tables.Column(
        verbose_name=format_html('<span class="visually-hidden">{}</span>', "Detalhes do Link"),
        empty_values=(),
        orderable=False,
        exclude_from_export=True,
        attrs={"th": {"class": "col-toggle"}},
    )
    id = tables.Column("ID", accessor="pk", order_by=("pk",))
    name = tables.Column("Nome", order_by=("name", "pk"))
    # On a phone these four hide; the name's cell repeats them on a line of its own.
    cpf_cnpj = tables.Column("CPF/CNPJ", order_by=("cpf_cnpj", "pk"), attrs=WIDE_ONLY)
    registered_on = tables.Column(
        "Data de cadastro", order_by=("registered_on", "pk"), attrs=WIDE_ONLY
    )
    product = tables.Column("Produto", order_by=("product", "name", "pk"), attrs=WIDE_ONLY)
    expires_on = tables.Column("Vencimento", order_by=("expires_on", "pk"), attrs=WIDE_ONLY)
    # status_value: the SQL CASE, which PagedQuerysetData adds to order by it.
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

    selectable = False  # a checkbox per row (SelectableClientTable)

    def __init__(self, *args, csrf_token="", may_act=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.csrf_token = csrf_token
        self._csrf = html.escape(csrf_token)
        self.may_act = may_act  # the user's role may take the ⋮ actions
        self.today = local_today()
        self._urls = RowUrls()

    @cached_property
    def page_rows(self) -> list[SafeString]:
        """The page's rows as HTML, for the one loop of _client_table.html.

        Built once per page from plain data: django-tables2's per-cell machinery (accessors,
        signature inspection, a template lookup per cell) was most of the page's time, and
        then a template loop over the cells (README, "Speed"). Its columns still declare the
        headers, the ordering and the export.
        """
        stencil = Stencil("clients/_client_row.html", {"selectable": self.selectable}, strip=True)
        badges, menus = {}, {}
        rows = []
        records = list(self.paginated_rows.data)  # the page's records, not BoundRows
        link_data(records)
        for client in records:
            status = client_status(client, self.today)
            if status not in badges:
                badges[status] = Stencil("clients/_status_badge.html", {"status": status}).render(
                    {}
                )
            # The menu depends only on the allowed actions (and the role, the same for the
            # page): drawn once per kind of row, the pk and name filled in per row.
            kind = tuple(allowed_actions(client, status))
            if kind not in menus:
                menus[kind] = self._menu_format(client, status)
            rows.append(stencil.render(self._row_values(client, status, badges, menus[kind])))
        return rows

    def _row_values(self, client, status, badges, menu) -> dict:
        """What _client_row.html prints of `client` (in its status, with its ⋮ menu pattern)."""
        pk = str(client.pk)
        link = self._link_details(client) if client.is_link else {}
        menu = menu.format(pk=pk, name=html.escape(client.name), csrf=self._csrf)
        return {
            "pk": pk,
            "name": client.name,
            "url": self._urls("clients:detail", pk),
            "document": format_document(client.cpf_cnpj),
            "registered_on": format_date(client.registered_on),
            "product": PRODUCT_LABELS.get(client.product, client.product),
            "expires_on": format_date(client.expires_on),
            "hints": self._hints(client),
            "badge": badges[status],
            "menu": mark_safe(menu),  # noqa: S308 -- its values escaped above
            "is_link": client.is_link,
            "version": link.get("version"),
            "licenses": link.get("licenses"),
            "modules": link.get("modules"),
            "key": link.get("key"),
            "code": link.get("code"),
        }

    def _hints(self, client):
        """The row's warnings (clients.domain.attention.row_hints) as badges, "" for none."""
        hints = attention.row_hints(client, self.today)
        return mark_safe(  # noqa: S308 -- escaped here
            " ".join(
                HINT_BADGE.format(tone=html.escape(tone), text=html.escape(text))
                for text, tone in hints
            )
        )

    def _link_details(self, client) -> dict:
        """What a Link row's details show: licenses and modules in force today (and a reduction
        scheduled for next month), the key or the unused registration code."""
        main, modules = None, []
        for license in client.all_licenses:
            count = license.current_quantity(self.today)
            if license.module == Module.MAIN:
                main = license
            elif count:
                label = Module(license.module).label
                modules.append(f"{label} ({count})" if license.module in COUNTED_MODULES else label)
        return {
            "version": client.link_version,
            "licenses": describe_license(main, self.today) if main else None,
            "modules": ", ".join(modules),
            "key": client.license_key,
            "code": client.unused_codes[0].code if client.unused_codes else None,
        }

    def _menu_format(self, client, status) -> str:
        """The ⋮ menu of `client`'s kind of row, as a str.format pattern of {pk}, {name} (the
        escaped name) and {csrf}: rendered with placeholders, which no rendered menu can
        contain otherwise, before any row's data is put in; kept for the process per template
        and menu entries (their URLs, the pk a placeholder), as Stencil keeps its patterns."""
        kind = SimpleNamespace(
            pk=RowUrls.PLACEHOLDER,
            name=MENU_NAME_SLOT,
            product=client.product,
            renewal=client.renewal,
        )
        entries = tuple(menu_entries(kind, status, self._urls, self.may_act))
        template = get_template("clients/_actions_menu.html")
        patterns = MENU_PATTERNS.setdefault(template.template, {})
        key = (entries, bool(self.csrf_token))
        if key not in patterns:
            rendered = template.render(
                {
                    "client": kind,
                    "entries": entries,
                    "csrf_token": MENU_CSRF_SLOT if self.csrf_token else "",
                }
            )
            patterns[key] = format_pattern(
                rendered,
                {"pk": RowUrls.PLACEHOLDER, "name": MENU_NAME_SLOT, "csrf": MENU_CSRF_SLOT},
            )
        return patterns[key]
