"""How a ClientEvent reads on the Histórico page: its action's name and what changed."""

import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format

from clients.domain.quantities import describe_quantity
from clients.domain.status import Status
from clients.models import Client, Event, Module

EMPTY = "—"


def action_label(action: str) -> str:
    if action in Event.values:
        return Event(action).label
    return action.replace("-", " ").replace("_", " ").capitalize()


def changes(event) -> list[tuple[str, str, str]]:
    """(what, before, after) for each value the event changed, in snapshot order."""
    before, after = event.before or {}, event.after or {}
    rows = []
    for key in dict.fromkeys([*before, *after]):
        if key == "licenses":
            rows += _license_changes(_licenses(before.get(key)), _licenses(after.get(key)) or {})
        elif before.get(key) != after.get(key):
            rows.append((_label(key), _show(key, before.get(key)), _show(key, after.get(key))))
    return rows


def _licenses(value):
    """The licenses of a snapshot by module. Older imports stored only the main count, as a
    number: read as that."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {Module.MAIN.value: {"quantity": value}}
    return value if isinstance(value, dict) else None


def _field(key):
    try:
        return Client._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _label(key: str) -> str:
    if key == "status":
        return "Status"
    field = _field(key)
    return str(field.verbose_name).capitalize() if field else key


def _show(key: str, value) -> str:
    if value in (None, ""):
        return EMPTY
    if key == "status":
        return Status(value).label if value in Status.values else str(value)
    field = _field(key)
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.DateTimeField):
        moment = timezone.localtime(datetime.datetime.fromisoformat(value))
        return date_format(moment, "d/m/Y H:i")
    if isinstance(field, models.DateField):
        return date_format(datetime.date.fromisoformat(value), "d/m/Y")
    return str(value)


def _describe(module: str, entry: dict | None) -> str:
    entry = entry or {}
    scheduled = None
    if "scheduled_from" in entry:
        scheduled = (
            entry["scheduled_quantity"],
            datetime.date.fromisoformat(entry["scheduled_from"]),
        )
    return describe_quantity(module, entry.get("quantity", 0), scheduled)


def _license_changes(before: dict | None, after: dict) -> list[tuple[str, str, str]]:
    """One row per module whose count changed; a new client (no `before`) shows "—" before."""
    rows = []
    for module in dict.fromkeys([*(before or {}), *after]):
        old = before.get(module) if before is not None else None
        if before is None or old != after.get(module):
            label = Module(module).label if module in Module.values else module
            shown_before = EMPTY if before is None else _describe(module, old)
            rows.append((label, shown_before, _describe(module, after.get(module))))
    return rows
