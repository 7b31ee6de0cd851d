"""What the admin's lists of the clients' rows share (clients.admin, clients.credit_admin)."""

from clients.domain.search import name_contains_q


class ReadOnlyAdminMixin:
    """Shown, never changed here: the services change these rows."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClientNameSearchMixin:
    """The search of a list of the clients' rows (events, licenses, codes, certificates): the
    client's name as the portal searches it — accents and case ignored, through the stored
    `search_name` and its trigram index — besides the admin's own `search_fields`."""

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(name_contains_q(search_term, "client__search_name"))
        return found, may_have_duplicates
