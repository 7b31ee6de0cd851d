"""The vendor's admin. Clients change only through clients.services: the change form edits
plain data (and, on its own page, the license counts) with the version it was loaded at;
status facts change through the list's actions, one service call per selected client."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join

from clients import (
    credit_admin,  # noqa: F401 -- registers the money's admin
    device_admin,  # noqa: F401 -- registers the released devices' admin
    services,
)
from clients.admin_mixins import ClientNameSearchMixin, ReadOnlyAdminMixin
from clients.domain.actions import Action
from clients.domain.quantities import describe_license
from clients.domain.status import Status, status_q, status_since, today
from clients.models import (
    Certificate,
    Client,
    ClientEvent,
    License,
    LinkVersionSetting,
    NotificationLog,
    RegistrationCode,
)
from clients.screen.filters import search_q
from clients.screen.forms import ClientAdminForm, LicensesForm, VersionField
from clients.services import STAFF_EDITABLE_FIELDS, ActionNotAllowed
from clients.services.billing import client_billing_paid
from clients.services.review import client_approve, client_reject
from portal.admin import LabelledTabularInline, SafeAdminMixin


class StatusFilter(admin.SimpleListFilter):
    """The derived status, filtered through the same predicates as the portal."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        if self.value() in Status.values:
            return queryset.filter(status_q(self.value()))
        return queryset


class RegistrationCodeInline(ReadOnlyAdminMixin, LabelledTabularInline):
    model = RegistrationCode
    extra = 0
    fields = ["code", "created_at", "consumed_at", "machine"]
    readonly_fields = fields


class ClientEventInline(LabelledTabularInline):
    model = ClientEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "actor_label", "before", "after", "note"]
    readonly_fields = fields
    ordering = ["-at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


class VersionForm(forms.Form):
    loaded_version = VersionField()


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Motivo da rejeição",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Fica no histórico do cliente. Ex.: CPF/CNPJ já cadastrado por outro parceiro.",
    )


# The list's actions: (what does it, description, what the success message says was done).
# An Action — one without a form — acts on the whole selection at once: services.clients_act
# locks it in id order and re-checks, changes and records each client as the single-client
# service does (the same code, with one client). A service is called once per selected client.
SERVICE_ACTIONS = {
    "approve": (client_approve, "Aprovar clientes pendentes selecionados", "aprovado(s)"),
    "suspend": (Action.SUSPEND, "Suspender os clientes selecionados", "suspenso(s)"),
    "unsuspend": (
        Action.UNSUSPEND,
        "Cancelar a suspensão dos clientes selecionados",
        "com a suspensão cancelada",
    ),
    "hide": (Action.HIDE, "Ocultar os clientes selecionados", "ocultado(s)"),
    "unhide": (Action.UNHIDE, "Reexibir os clientes selecionados", "reexibido(s)"),
    "renew": (Action.RENEW, "Renovar os clientes selecionados", "renovado(s)"),
    "reactivate": (
        services.client_reactivate,
        "Reativar os clientes selecionados (vencimento daqui a um mês)",
        "reativado(s)",
    ),
    "billing_paid": (
        client_billing_paid,
        "Marcar a cobrança como paga (Gestão de cobranças: renova um mês, sem débito do parceiro)",
        "renovado(s) pela cobrança paga",
    ),
}


def _outcome(service, client, by) -> services.Outcome:
    try:
        return services.Outcome(service(client=client, by=by))
    except ActionNotAllowed as refusal:
        return services.Outcome(client, refusal)


def _service_action(name):
    service, description, done = SERVICE_ACTIONS[name]

    def act(modeladmin, request, queryset):
        if isinstance(service, Action):
            # One partner's clients at a time: a renewal charges each partner's own credit.
            outcomes = []
            for partner_id in sorted(set(queryset.values_list("partner_id", flat=True))):
                selected = queryset.filter(partner_id=partner_id)
                outcomes += services.clients_act(clients=selected, action=service, by=request.user)
        else:
            outcomes = [_outcome(service, c, request.user) for c in queryset.order_by("pk")]
        changed = 0
        for outcome in outcomes:
            if outcome.refusal is not None:
                message = f"{outcome.client}: {outcome.refusal.message}"
                modeladmin.message_user(request, message, messages.WARNING)
            else:
                changed += 1
        if changed:
            modeladmin.message_user(request, f"{changed} cliente(s) {done}.", messages.SUCCESS)

    act.__name__ = name
    return admin.action(description=description, permissions=["change"])(act)


@admin.register(Client)
class ClientAdmin(SafeAdminMixin, admin.ModelAdmin):
    form = ClientAdminForm
    fields = [
        "partner",
        "cpf_cnpj_display",
        "product",
        *STAFF_EDITABLE_FIELDS,
        "loaded_version",
        "status_with_reason",
        "licenses_summary",
        "registered_on",
        "expires_on",
        "suspended_at",
        "pending_since",
        "pending_reason",
        "hidden_at",
        "license_key",
        "link_version",
        "last_seen_at",
        "created_at",
        "updated_at",
    ]
    list_display = [
        "id",
        "name",
        "cpf_cnpj_display",
        "partner",
        "product",
        "registered_on",
        "expires_on",
        "status_label",
        "pending_reason",
    ]
    list_filter = [StatusFilter, "product", "renewal", "uf", "partner"]
    list_select_related = ["partner"]
    search_fields = ["search_name"]  # shows the search box; get_search_results searches
    show_full_result_count = False
    # Everything but the plain data is shown only; a client never moves to another partner.
    readonly_fields = [
        name for name in fields if name not in (*STAFF_EDITABLE_FIELDS, "loaded_version")
    ]
    date_hierarchy = None
    actions = [*SERVICE_ACTIONS, "reject"]
    inlines = [RegistrationCodeInline, ClientEventInline]

    @admin.display(description="CPF/CNPJ", ordering="cpf_cnpj")
    def cpf_cnpj_display(self, client):
        return client.cpf_cnpj_display

    @admin.display(description="status")
    def status_label(self, client):
        return client.status.label

    @admin.display(description="status")
    def status_with_reason(self, client):
        """The derived status on the change page, with the fact behind it."""
        if client.pk is None:
            return "—"
        status = client.status
        since = status_since(client, status)
        text = status.label
        if since:
            text += f" desde {date_format(timezone.localtime(since), 'd/m/Y H:i')}"
        if status == Status.PENDING and client.pending_reason:
            text += f": {client.pending_reason}"
        return text

    @admin.display(description="licenças")
    def licenses_summary(self, client):
        day = today()
        lines = format_html_join(
            "",
            "<li>{}: {}</li>",
            (
                (license.get_module_display(), describe_license(license, day))
                for license in client.licenses.all()
            ),
        )
        url = reverse("admin:clients_client_licenses", args=[client.pk])
        return format_html('<ul>{}</ul><a href="{}">Alterar licenças</a>', lines, url)

    # Clients are registered in the portal (+ Novo cliente) or by the import, which apply the
    # duplicate rule and make the registration code; deleting one would delete its history.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """The change form's save: clients.services.client_staff_edit, never obj.save()."""
        try:
            services.client_staff_edit(
                client=obj,
                by=request.user,
                expected_version=form.cleaned_data["loaded_version"],
                fields={name: form.cleaned_data[name] for name in STAFF_EDITABLE_FIELDS},
            )
        except ActionNotAllowed as error:
            request._refused = error.message

    def log_change(self, request, obj, message):
        if not getattr(request, "_refused", None):
            super().log_change(request, obj, message)

    def response_change(self, request, obj):
        if refused := getattr(request, "_refused", None):
            self.message_user(request, f"Nada foi salvo. {refused}", messages.ERROR)
            return redirect(request.path)
        return super().response_change(request, obj)

    def get_urls(self):
        licenses = self.admin_site.admin_view(self.licenses_view)
        return [
            path("<path:object_id>/licencas/", licenses, name="clients_client_licenses"),
            *super().get_urls(),
        ]

    def licenses_view(self, request, object_id):
        """The license counts of one client, through the portal's rule (client_staff_edit)."""
        client = get_object_or_404(
            Client, pk=object_id if object_id.isascii() and object_id.isdigit() else None
        )
        if not self.has_change_permission(request, client):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else None
        form = LicensesForm(data, client=client, product=client.product)
        version = VersionForm(data, initial={"loaded_version": client.version})
        change_url = reverse("admin:clients_client_change", args=[client.pk])
        if data is not None and form.is_valid() and version.is_valid():
            try:
                services.client_staff_edit(
                    client=client,
                    by=request.user,
                    expected_version=version.cleaned_data["loaded_version"],
                    licenses=form.quantities(),
                )
            except ActionNotAllowed as error:
                self.message_user(request, f"Nada foi salvo. {error.message}", messages.ERROR)
                return redirect(request.path)
            self.message_user(request, f"Licenças de {client} salvas.", messages.SUCCESS)
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Licenças de {client}",
            "opts": self.model._meta,
            "client": client,
            "form": form,
            "version": version,
            "change_url": change_url,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/clients/client/licenses.html", context)

    def get_search_results(self, request, queryset, search_term):
        # The portal's search (clients.screen.filters.search_q): the name without accents or case
        # (the
        # stored search_name and its trigram index), a CPF/CNPJ or a fragment of it typed with
        # or without punctuation, or the ID. The list filters already applied stay applied.
        if not search_term.strip():
            return queryset, False
        return queryset.filter(search_q(search_term)), False

    approve = _service_action("approve")
    suspend = _service_action("suspend")
    unsuspend = _service_action("unsuspend")
    hide = _service_action("hide")
    unhide = _service_action("unhide")
    renew = _service_action("renew")
    reactivate = _service_action("reactivate")
    billing_paid = _service_action("billing_paid")

    @admin.action(
        description="Rejeitar com motivo os clientes pendentes selecionados",
        permissions=["change"],
    )
    def reject(self, request, queryset):
        """First an intermediate page asks for the reason; its form posts back here."""
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            rejected = 0
            for client in queryset:
                try:
                    client_reject(
                        client=client, by=request.user, reason=form.cleaned_data["reason"]
                    )
                except ActionNotAllowed as error:
                    self.message_user(request, f"{client}: {error.message}", messages.WARNING)
                else:
                    rejected += 1
            if rejected:
                self.message_user(
                    request,
                    f"{rejected} cliente(s) rejeitado(s): agora Inativos e ocultos.",
                    messages.SUCCESS,
                )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Rejeitar clientes pendentes",
            "opts": self.model._meta,
            "clients": queryset.select_related("partner").order_by("pk"),
            "pending": Status.PENDING,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/clients/client/reject.html", context)


@admin.register(ClientEvent)
class ClientEventAdmin(ClientNameSearchMixin, SafeAdminMixin, admin.ModelAdmin):
    list_display = ["at", "client", "action", "actor", "actor_label", "note"]
    list_filter = ["action"]
    search_fields = ["=client__cpf_cnpj"]
    list_select_related = ["client", "actor"]
    readonly_fields = [f.name for f in ClientEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(NotificationLog)
class NotificationLogAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ["sent_at", "email", "partner", "subject"]
    list_filter = ["kind", "sent_on"]
    search_fields = ["email", "partner__name", "partner__code"]
    list_select_related = ["partner"]
    readonly_fields = [f.name for f in NotificationLog._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(License)
class LicenseAdmin(ClientNameSearchMixin, ReadOnlyAdminMixin, SafeAdminMixin, admin.ModelAdmin):
    """Read-only: counts change on the client's "Alterar licenças" page (the portal's rule)."""

    list_display = ["client", "module", "quantity", "scheduled_quantity", "scheduled_from"]
    list_filter = ["module"]
    search_fields = ["=client__cpf_cnpj"]
    list_select_related = ["client"]


@admin.register(RegistrationCode)
class RegistrationCodeAdmin(
    ClientNameSearchMixin, ReadOnlyAdminMixin, SafeAdminMixin, admin.ModelAdmin
):
    """Read-only: codes are made by the registration and consumed by the activation API."""

    list_display = ["code", "client", "created_at", "consumed_at", "machine"]
    search_fields = ["=code"]
    list_select_related = ["client"]


@admin.register(Certificate)
class CertificateAdmin(ClientNameSearchMixin, admin.ModelAdmin):
    """Read-only: uploads go through the portal (clients.certificates), which checks them.

    The encrypted file and password are not shown, not even encrypted.
    """

    list_display = ["client", "holder", "cnpj_display", "valid_from", "valid_until", "uploaded_at"]
    search_fields = ["holder", "=cnpj"]
    list_select_related = ["client"]
    fields = [
        "client",
        "holder",
        "cnpj_display",
        "issuer",
        "serial_number",
        "fingerprint",
        "valid_from",
        "valid_until",
        "file_name",
        "uploaded_at",
        "uploaded_by",
    ]
    readonly_fields = fields

    @admin.display(description="CNPJ", ordering="cnpj")
    def cnpj_display(self, certificate):
        return certificate.cnpj_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(LinkVersionSetting)
class LinkVersionSettingAdmin(SafeAdminMixin, admin.ModelAdmin):
    """The current Link version: each change is a new row, so the list is its history.

    Rows are never edited or deleted (that would rewrite the history): "Adicionar" sets a new
    current version.
    """

    list_display = ["version", "set_at", "set_by", "note"]
    fields = ["version", "note"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.set_by = request.user
        super().save_model(request, obj, form, change)
