from django.contrib import admin

from clients.admin import SafeAdminMixin
from licenses.models import Certificate, License, RegistrationCode


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
    """Read-only: uploads go through the portal (licenses.certificates), which checks them.

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
