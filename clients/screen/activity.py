"""Atividade: every change the write path recorded for the partner (clients.models.ClientEvent)
— who, from where, what, to which client, when, before and after — filtered by member, client,
action and period, paged with django-tables2 like Clientes, and exported as CSV.

An Administrador sees the whole team's (partners.permissions.Permission.ACTIVITY); an Operador
or a Consulta, their own changes. Each filter is an index range on PostgreSQL
(the events' indexes: the partner's events by time, by action and time; a member's by time; a
client's by time)."""

import datetime

import django_filters
import django_tables2 as tables
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from clients.domain.dates import local_midnight
from clients.domain.documents import format_document, normalize_document
from clients.domain.history import action_label, changes
from clients.domain.search import name_contains_q
from clients.models import Client, ClientEvent, Event, Origin
from clients.screen.filters import MAX_ID_DIGITS, SEARCH_MAX_LENGTH, DateInput
from clients.screen.tables import PagedQuerysetData
from clients.transfer.exporting import csv_text, read_chunks
from partners.permissions import Permission, role_allows

PER_PAGE = 50
CLIENTS_INLINE = 2000
EXPORT_PARAM = "_export"


def partner_events(request):
    """The signed-in member's view of the partner's history: the whole team's for a role
    with Permission.ACTIVITY, the member's own otherwise."""
    events = ClientEvent.objects.filter(partner=request.partner)
    if not sees_the_team(request):
        events = events.filter(actor=request.user)
    return events


def sees_the_team(request) -> bool:
    return role_allows(request.partner_user.role, Permission.ACTIVITY)


class ActivityFilterForm(forms.Form):
    @cached_property
    def helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        helper.layout = Layout(
            Row(
                *(
                    [Column("membro", css_class="col-12 col-lg-3")]
                    if "membro" in self.fields
                    else []
                ),
                Column("cliente", css_class="col-12 col-lg-3"),
                Column("acao", css_class="col-12 col-lg-2"),
                Column("de", css_class="col-6 col-lg-2"),
                Column("ate", css_class="col-6 col-lg-2"),
            )
        )
        return helper

    def clean(self):
        data = super().clean()
        start, end = data.get("de"), data.get("ate")
        if start and end and start > end:
            self.add_error("ate", "A data inicial é depois da final.")
        return data


class ActivityFilter(django_filters.FilterSet):
    membro = django_filters.ModelChoiceFilter(
        label="Membro",
        field_name="actor",
        queryset=get_user_model().objects.none(),
        empty_label="Todos",
    )
    cliente = django_filters.CharFilter(
        label="Cliente",
        method="filter_client",
        max_length=SEARCH_MAX_LENGTH,
        help_text="Nome, CPF/CNPJ ou ID.",
    )
    acao = django_filters.ChoiceFilter(
        label="Ação", field_name="action", choices=Event.choices, empty_label="Todas"
    )
    de = django_filters.DateFilter(label="De", method="filter_from", widget=DateInput())
    ate = django_filters.DateFilter(label="Até", method="filter_until", widget=DateInput())

    class Meta:
        model = ClientEvent
        fields = []
        form = ActivityFilterForm

    def __init__(self, data=None, *args, request=None, **kwargs):
        super().__init__(data, *args, request=request, **kwargs)
        if sees_the_team(request):
            members = get_user_model().objects.filter(partner_user__partner=request.partner)
            self.filters["membro"].queryset = members.order_by("username")
            self.form.fields["membro"].queryset = members.order_by("username")
            self.form.fields["membro"].label_from_instance = lambda user: (
                user.get_full_name() or user.get_username()
            )
        else:
            self.form.fields.pop("membro")
            self.filters.pop("membro")

    @property
    def qs(self):
        # Invalid values are shown in the form and ignored, as on Clientes.
        if not self.is_bound:
            return self.queryset.all()
        self.form.is_valid()
        queryset = self.queryset.all()
        for name, value in self.form.cleaned_data.items():
            if name in self.filters and name not in self.form.errors:
                queryset = self.filters[name].filter(queryset, value)
        return queryset

    def filter_client(self, queryset, name, value):
        """The events of the partner's clients this names (ID, CPF/CNPJ or part of the
        name): the clients found first, then each one's events by its index."""
        term = " ".join(value.split())
        if not term:
            return queryset
        matches = name_contains_q(term)
        document = normalize_document(term)
        if term.isascii() and term.isdigit() and len(term) <= MAX_ID_DIGITS:
            matches |= Q(pk=int(term))
        if document and len(document) in (11, 14):
            matches |= Q(cpf_cnpj=document)
        clients = Client.objects.filter(matches, partner=self.request.partner)
        # The clients looked up once for the page and its count (a name's trigram search is
        # most of the cost); past CLIENTS_INLINE of them, as a subquery.
        found = list(clients.values_list("pk", flat=True)[: CLIENTS_INLINE + 1])
        if len(found) > CLIENTS_INLINE:
            return queryset.filter(client__in=clients.values("pk"))
        return queryset.filter(client_id__in=found)

    def filter_from(self, queryset, name, value):
        return queryset.filter(at__gte=local_midnight(value))

    def filter_until(self, queryset, name, value):
        return queryset.filter(at__lt=local_midnight(value + datetime.timedelta(days=1)))

    @property
    def applied(self) -> bool:
        return any(self.data.get(name) for name in self.filters)


def who(event) -> str:
    if event.actor_id is not None and event.actor is not None:
        return event.actor.get_full_name() or event.actor.get_username()
    return event.actor_label or "sistema"


class ActivityTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name="Quando", format="d/m/Y H:i", orderable=False)
    client = tables.Column(verbose_name="Cliente", orderable=False)
    action = tables.Column("Ação", orderable=False)
    actor = tables.Column("Quem", empty_values=(), orderable=False)
    origin = tables.Column("Origem", orderable=False)
    changes = tables.Column("O que mudou", empty_values=(), orderable=False)

    class Meta:
        model = ClientEvent
        fields = ("at", "client", "action", "actor", "origin", "changes")
        attrs = {"class": "table table-sm bg-white align-top activity-table mb-0"}
        empty_text = "Nenhuma alteração encontrada."

    def render_client(self, record):
        url = reverse("clients:history", args=[record.client_id])
        return format_html('<a href="{}">{}</a>', url, record.client.name)

    def render_action(self, record):
        return action_label(record.action)

    def render_actor(self, record):
        return who(record)

    def render_changes(self, record):
        items = format_html_join(
            "",
            '<li><span class="fw-semibold">{}:</span> {} → {}</li>',
            changes(record),
        )
        note = (
            format_html('<div class="text-body-secondary">{}</div>', record.note)
            if record.note
            else ""
        )
        return format_html('<ul class="list-unstyled mb-0">{}</ul>{}', items, note)


def activity(request):
    events = partner_events(request)
    filterset = ActivityFilter(request.GET or None, queryset=events, request=request)
    rows = filterset.qs.order_by("-at", "-id")
    if request.GET.get(EXPORT_PARAM) == "csv":
        return csv_response(rows, f"atividade-{timezone.localdate():%Y-%m-%d}.csv")
    # Each page's ids first, over the index, then only its rows (a deep page stays cheap).
    table = ActivityTable(PagedQuerysetData(rows.select_related("client", "actor")))
    tables.RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    query = request.GET.copy()
    query.pop("page", None)
    query[EXPORT_PARAM] = "csv"
    context = {
        "filter": filterset,
        "table": table,
        "team": sees_the_team(request),
        "export_url": f"{request.path}?{query.urlencode()}",
    }
    return render(request, "clients/activity.html", context)


# CSV -----------------------------------------------------------------------------------------

HEADER = ["Quando", "Cliente", "CPF/CNPJ", "Ação", "Quem", "Origem", "O que mudou", "Observação"]
FIELDS = [
    "at",
    "client__name",
    "client__cpf_cnpj",
    "action",
    "actor__username",
    "actor__first_name",
    "actor__last_name",
    "actor_label",
    "origin",
    "before",
    "after",
    "note",
]
ORIGINS = dict(Origin.choices)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text(value) -> str:
    """A cell a spreadsheet reads as text, never as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class _Row:
    """What history.changes() reads of an event."""

    def __init__(self, before, after):
        self.before, self.after = before, after


def csv_rows(chunks):
    for chunk in chunks:
        rows = []
        for (
            at,
            name,
            document,
            action,
            username,
            first,
            last,
            label,
            origin,
            before,
            after,
            note,
        ) in chunk:
            person = " ".join(filter(None, (first, last))) or username or label or "sistema"
            changed = "; ".join(
                f"{what}: {old} → {new}" for what, old, new in changes(_Row(before, after))
            )
            rows.append(
                [
                    timezone.localtime(at).strftime("%d/%m/%Y %H:%M"),
                    as_text(name),
                    format_document(document),
                    action_label(action),
                    as_text(person),
                    ORIGINS.get(origin, origin),
                    as_text(changed),
                    as_text(note),
                ]
            )
        yield rows


def csv_response(events, filename: str):
    chunks = read_chunks(events.order_by("-at", "-id"), FIELDS)
    response = StreamingHttpResponse(
        csv_text(HEADER, csv_rows(chunks)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
