from django.contrib import admin

from licenses.models import License, RegistrationCode


@admin.register(License)
class LicenseAdmin(admin.ModelAdmin):
    list_display = ["client", "module", "quantity", "scheduled_quantity", "scheduled_from"]
    list_filter = ["module"]
    search_fields = ["client__name", "=client__cpf_cnpj"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]


@admin.register(RegistrationCode)
class RegistrationCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "client", "created_at", "consumed_at", "machine"]
    search_fields = ["=code", "client__name"]
    autocomplete_fields = ["client"]
    list_select_related = ["client"]
    readonly_fields = ["created_at"]
