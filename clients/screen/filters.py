"""The filters of the Clientes screen (django-filter), over the partner's scoped queryset.

Every filter is a plain predicate, so that PostgreSQL answers the page and its count from
indexes: status through `clients.domain.status.statuses_q`, the search through the name without
accents (`search_name LIKE`, a generated column: `clients.domain.search`), a fragment of the
normalised
CPF/CNPJ (both served by pg_trgm indexes on PostgreSQL) or the ID. Invalid values are
reported in the form and ignored (the view is not strict).
"""

import threading
from collections import OrderedDict

import django_filters
from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from crispy_forms.utils import render_crispy_form
from django import forms
from django.core.validators import EMPTY_VALUES
from django.db.models import Q
from django.utils.functional import cached_property

from clients.domain import attention
from clients.domain.documents import normalize_document
from clients.domain.search import name_contains_q
from clients.domain.status import Status, status_counts, statuses_q, today
from clients.domain.versions import version_key
from clients.models import UF_CHOICES, Client, Product, Renewal
from clients.tally import count_tallied

# Longer searches are refused by the form (and so ignored), never sent to the database.
SEARCH_MAX_LENGTH = 100
# Primary keys are bigint: a longer number cannot be an ID.
MAX_ID_DIGITS = 18


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ClientFilterForm(forms.Form):
    @cached_property
    def helper(self):
        """crispy's layout of the form, built only when the form is drawn (the HTML is kept
        per query, RenderedForms: most requests read the form's values, not its layout)."""
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(
                Column("q", css_class="col-12 col-lg-4"),
                Column("produto", css_class="col-6 col-lg-2"),
                Column("uf", css_class="col-6 col-lg-2"),
                Column("renovacao", css_class="col-12 col-lg-4"),
            ),
            Row(
                Column("vencimento_de", css_class="col-6 col-lg-2"),
                Column("vencimento_ate", css_class="col-6 col-lg-2"),
                Column(InlineCheckboxes("status"), css_class="col-12 col-lg-8"),
            ),
            Row(
                Column("vence_em", css_class="col-6 col-lg-2"),
                Column("certificado", css_class="col-6 col-lg-2"),
                Column("sem_contato", css_class="col-6 col-lg-2"),
                Column("versao_anterior", css_class="col-6 col-lg-2"),
                Column("codigo", css_class="col-12 col-lg-4"),
            ),
        )
        return helper

    def clean_versao_anterior(self):
        value = self.cleaned_data.get("versao_anterior")
        if value and version_key(value) is None:
            raise forms.ValidationError("Informe uma versão como 4.10 ou 4.10.2.")
        return value


class RenderedForms:
    """ClientFilter's form as HTML, for the latest distinct filter queries (the least recently
    used dropped). The HTML depends only on the values of the form's fields in the query
    string (no user, partner or CSRF data: a GET form), and crispy's templates cost more than
    the rest of a list page (README, "Speed"): a repeated query is drawn once per process."""

    def __init__(self, size=256):
        self.size = size
        self._html = OrderedDict()
        self._lock = threading.Lock()

    def get(self, form):
        data = form.data
        key = tuple((name, tuple(data.getlist(name))) for name in form.fields if name in data)
        with self._lock:
            html = self._html.get(key)
            if html is not None:
                self._html.move_to_end(key)
                return html
        html = render_crispy_form(form, helper=form.helper)
        with self._lock:
            self._html[key] = html
            while len(self._html) > self.size:
                self._html.popitem(last=False)
        return html


rendered_forms = RenderedForms()

# A CPF/CNPJ fragment is searched from this many characters on (punctuation not counted).
MIN_DOCUMENT_FRAGMENT = 4


def search_q(term: str) -> Q:
    """Clients whose name contains `term` (accents and case ignored), whose CPF/CNPJ contains
    it (at least 4 characters and a digit; punctuation optional), or whose ID is `term`."""
    term = term.strip()
    query = name_contains_q(term)
    document = normalize_document(term)
    if len(document) >= MIN_DOCUMENT_FRAGMENT and any(char.isdigit() for char in document):
        query |= Q(cpf_cnpj__contains=document)
    if term.isascii() and term.isdigit() and len(term) <= MAX_ID_DIGITS:
        query |= Q(pk=int(term))
    return query


class ClientFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Buscar",
        method="filter_search",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"placeholder": "Nome, CPF/CNPJ ou ID", "type": "search"}),
    )
    produto = django_filters.ChoiceFilter(
        label="Produto", field_name="product", choices=Product.choices, empty_label="Todos"
    )
    uf = django_filters.ChoiceFilter(
        label="UF", field_name="uf", choices=UF_CHOICES, empty_label="Todas"
    )
    renovacao = django_filters.ChoiceFilter(
        label="Renovação", field_name="renewal", choices=Renewal.choices, empty_label="Todas"
    )
    vencimento_de = django_filters.DateFilter(
        label="Vencimento de", field_name="expires_on", lookup_expr="gte", widget=DateInput()
    )
    vencimento_ate = django_filters.DateFilter(
        label="Vencimento até", field_name="expires_on", lookup_expr="lte", widget=DateInput()
    )
    status = django_filters.MultipleChoiceFilter(
        label="Status",
        choices=Status.choices,
        method="filter_status",
        widget=forms.CheckboxSelectMultiple,
    )

    # What Início links to (clients.domain.attention holds the predicates).
    vence_em = django_filters.NumberFilter(
        label="Vence em até (dias)",
        method="filter_expiring",
        min_value=1,
        max_value=attention.MAX_DAYS,
    )
    certificado = django_filters.ChoiceFilter(
        label="Certificado (Navi)",
        method="filter_certificate",
        choices=[
            *((str(days), f"Vence em até {days} dias") for days in attention.CERTIFICATE_WINDOWS),
            (attention.CERTIFICATE_EXPIRED, "Vencido"),
        ],
        empty_label="Todos",
    )
    sem_contato = django_filters.NumberFilter(
        label="Link sem contato há mais de (dias)",
        method="filter_no_contact",
        min_value=1,
        max_value=attention.MAX_DAYS,
    )
    versao_anterior = django_filters.CharFilter(
        label="Link em versão anterior a",
        method="filter_older_version",
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "ex.: 4.10"}),
    )
    codigo = django_filters.ChoiceFilter(
        label="Ativação do Link",
        method="filter_unused_code",
        choices=[("nao-utilizado", "Ainda não ativou (código não utilizado)")],
        empty_label="Todos",
    )

    class Meta:
        model = Client
        fields = []
        form = ClientFilterForm

    def filter_search(self, queryset, name, value):
        return queryset.filter(search_q(value))

    def filter_status(self, queryset, name, value):
        return queryset  # filter_queryset applies it, with its default (all but Oculto)

    def filter_expiring(self, queryset, name, value):
        return queryset.filter(attention.expiring_q(int(value), today()))

    def filter_certificate(self, queryset, name, value):
        return queryset.filter(attention.certificate_q(value, today()))

    def filter_no_contact(self, queryset, name, value):
        return queryset.filter(attention.no_contact_q(int(value), today()))

    def filter_older_version(self, queryset, name, value):
        versions = attention.link_versions(queryset)
        return queryset.filter(attention.older_version_q(value, versions))

    def filter_unused_code(self, queryset, name, value):
        return queryset.filter(attention.unused_code_q(self.request.partner))

    def filter_queryset(self, queryset):
        return self.filter_all_but_status(queryset).filter(statuses_q(self.listed_statuses()))

    def _other_filters(self) -> dict:
        """The valid values of every filter but the status (an empty one filters nothing)."""
        return {name: value for name, value in self.form.cleaned_data.items() if name != "status"}

    def filter_all_but_status(self, queryset):
        """`queryset` under every valid filter except the status (what the counts count)."""
        for name, value in self._other_filters().items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    @property
    def applied(self) -> bool:
        """Is any filter set? (The filters panel opens then, even on a phone.)"""
        return any(self.form.data.get(name) for name in self.filters)

    def listed_statuses(self) -> list[str]:
        """The statuses listed: those asked for; without a status filter, all but Oculto."""
        return self.form.cleaned_data.get("status") or [s for s in Status if s != Status.HIDDEN]

    def status_counts(self, tally) -> dict:
        """The count of each status under the other filters. With no other filter set they
        are counted over `tally`, the partner's StatusTally rows (a few thousand, where the
        partner's clients may be 100,000); else over the filtered clients."""
        self.errors  # noqa: B018 -- validates the form, as `qs` does
        if all(value in EMPTY_VALUES for value in self._other_filters().values()):
            return status_counts(tally, count=count_tallied)
        return status_counts(self.filter_all_but_status(self.queryset.all()))

    def rendered_form(self) -> str:
        """The form's HTML (crispy, with its helper's layout), drawn once per distinct query."""
        self.errors  # noqa: B018 -- validated first, as `qs` does: the HTML shows the errors
        return rendered_forms.get(self.form)

    def count_from(self, counts: dict) -> int:
        """How many clients `qs` lists, from the status counts of `status_counts()`."""
        return sum(counts[Status(status)] for status in set(self.listed_statuses()))
