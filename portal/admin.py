"""Admin hardening every app's ModelAdmin shares (generic, not about clients)."""

from django.contrib import messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.widgets import AutocompleteSelect as AdminAutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import connection


class AutocompleteSelect(AdminAutocompleteSelect):
    """Django's admin autocomplete widget, re-rendering a posted value that is no key at all
    (e.g. "abc" for an integer id) as no choice: Django's own filters the choices by the value
    as posted, a ValueError (500) instead of the form's "Select a valid choice" error."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        keys = []
        for item in value:
            try:
                target.to_python(item)
            except ValidationError:
                continue
            keys.append(item)
        return super().optgroups(name, keys, attr)


def is_key(model, value: str) -> bool:
    """`value` can be a primary key of `model` (a number in its column's range)."""
    field = model._meta.pk
    try:
        key = field.to_python(value)
    except ValidationError:
        return False
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return low <= key <= high


class SafeAdminMixin:
    """Closes holes Django's admin leaves to hostile input (each a 500):

    - a list filter's value goes to the database as typed, and PostgreSQL refuses a NUL in
      text: such a lookup is refused like a disallowed one (Django answers 400);
    - an action's selected ids go to the query as posted ("abc", or beyond SQLite's integers):
      the action is refused with a message and nothing is changed;
    - autocomplete_fields use the AutocompleteSelect above.
    """

    def lookup_allowed(self, lookup, value, request):
        return "\x00" not in str(value) and super().lookup_allowed(lookup, value, request)

    def response_action(self, request, queryset, *args, **kwargs):
        selected = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if not all(is_key(self.model, value) for value in selected):
            self.message_user(request, "Seleção inválida: nada foi alterado.", messages.ERROR)
            return None  # Django goes back to the list
        return super().response_action(request, queryset, *args, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = AutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
