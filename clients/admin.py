from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse

from clients.documents import normalize_document
from clients.forms import ClientAdminForm
from clients.models import (
    Certificate,
    Client,
    ClientEvent,
    License,
    NotificationLog,
    Partner,
    PartnerUser,
    RegistrationCode,
)
from clients.services import (
    ActionNotAllowed,
    client_approve,
    client_reject,
    full_snapshot,
    record_event,
)
from clients.status import Status, status_q, today
from portal.admin import SafeAdminMixin

User = get_user_model()


class PartnerUserInline(SafeAdminMixin, admin.TabularInline):
    model = PartnerUser
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "email", "created_at"]
    search_fields = ["code", "name"]
    inlines = [PartnerUserInline]


class PartnerUserOfUserInline(SafeAdminMixin, admin.StackedInline):
    model = PartnerUser
    can_delete = False
    autocomplete_fields = ["partner"]
    verbose_name_plural = "parceiro"


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = [PartnerUserOfUserInline]
    list_display = ["username", "email", "partner_name", "is_staff", "is_active"]
    list_select_related = ["partner_user__partner"]

    @admin.display(description="parceiro", ordering="partner_user__partner__name")
    def partner_name(self, user):
        partner_user = getattr(user, "partner_user", None)
        return partner_user.partner if partner_user else "—"


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


class LicenseInline(admin.TabularInline):
    model = License
    extra = 0


class RegistrationCodeInline(admin.TabularInline):
    model = RegistrationCode
    extra = 0
    readonly_fields = ["code", "created_at", "consumed_at", "machine"]


class ClientEventInline(admin.TabularInline):
    model = ClientEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "actor_label", "before", "after", "note"]
    readonly_fields = fields
    ordering = ["-at", "-id"]

    def has_add_permission(self, request, obj=None):
        return False


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Motivo da rejeição",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        help_text="Fica no histórico do cliente. Ex.: CPF/CNPJ já cadastrado por outro parceiro.",
    )


@admin.register(Client)
class ClientAdmin(SafeAdminMixin, admin.ModelAdmin):
    form = ClientAdminForm
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
    search_fields = ["name", "=cpf_cnpj"]
    show_full_result_count = False
    autocomplete_fields = ["partner"]
    readonly_fields = ["license_key", "link_version", "last_seen_at", "created_at", "updated_at"]
    date_hierarchy = None
    actions = ["approve", "reject"]
    inlines = [LicenseInline, RegistrationCodeInline, ClientEventInline]

    @admin.display(description="CPF/CNPJ", ordering="cpf_cnpj")
    def cpf_cnpj_display(self, client):
        return client.cpf_cnpj_display

    @admin.display(description="status")
    def status_label(self, client):
        return client.status.label

    def get_readonly_fields(self, request, obj=None):
        # A client never moves to another partner (its codes and history stay with it).
        fields = super().get_readonly_fields(request, obj)
        return [*fields, "partner"] if obj is not None else fields

    # Staff edits are history too: one event with the facts and licenses before and after.
    def save_model(self, request, obj, form, change):
        obj._before = full_snapshot(Client.objects.get(pk=obj.pk), today()) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        client = form.instance
        after = full_snapshot(client, today())
        if after != client._before:
            record_event(
                client=client,
                action="admin" if change else "cadastrar",
                by=request.user,
                before=client._before,
                after=after,
                note="Alterado na administração." if change else "Cadastrado na administração.",
            )

    def get_search_results(self, request, queryset, search_term):
        # A CPF/CNPJ may be typed with punctuation: search its normalised form too.
        # The list filters already applied to `queryset` stay applied to both halves.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        document = normalize_document(search_term)
        if document and document != search_term.strip().upper():
            found |= queryset.filter(cpf_cnpj=document)
        return found, may_have_duplicates

    @admin.action(description="Aprovar clientes pendentes selecionados", permissions=["change"])
    def approve(self, request, queryset):
        approved = 0
        for client in queryset:
            try:
                client_approve(client=client, by=request.user)
            except ActionNotAllowed as error:
                self.message_user(request, f"{client}: {error.message}", messages.WARNING)
            else:
                approved += 1
        if approved:
            self.message_user(request, f"{approved} cliente(s) aprovado(s).", messages.SUCCESS)

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
            "pending": Status.PENDENTE,
            "form": form,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/clients/client/reject.html", context)


@admin.register(ClientEvent)
class ClientEventAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ["at", "client", "action", "actor", "actor_label", "note"]
    list_filter = ["action"]
    search_fields = ["client__name", "=client__cpf_cnpj"]
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
class LicenseAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ["client", "module", "quantity", "scheduled_quantity", "scheduled_from"]
    list_filter = ["module"]
    search_fields = ["client__name", "=client__cpf_cnpj"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]


@admin.register(RegistrationCode)
class RegistrationCodeAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ["code", "client", "created_at", "consumed_at", "machine"]
    search_fields = ["=code", "client__name"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]
    readonly_fields = ["created_at"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: uploads go through the portal (clients.certificates), which checks them.

    The encrypted file and password are not shown, not even encrypted.
    """

    list_display = ["client", "holder", "cnpj_display", "valid_from", "valid_until", "uploaded_at"]
    search_fields = ["client__name", "holder", "=cnpj"]
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
