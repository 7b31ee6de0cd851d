"""The jobs, for vendor staff: what ran, for whom, how it ended (read-only)."""

from django.contrib import admin

from jobs import running
from jobs.models import Job
from portal.admin import SafeAdminMixin


@admin.register(Job)
class JobAdmin(SafeAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "partner", "title", "state", "attempt", "done", "total", "user"]
    list_filter = ["state", "kind"]
    search_fields = ["partner__name", "partner__code", "title"]
    list_select_related = ["partner", "user"]
    readonly_fields = [f.name for f in Job._meta.fields]
    exclude = ["arguments"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # The list shows a job whose worker died as failed, as its page does.
        running.fail_stale()
        return super().changelist_view(request, extra_context)
