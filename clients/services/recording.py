"""The history of each change: its event (before and after) and its audit log line."""

import logging

from clients.domain.status import client_status
from clients.models import Client, ClientEvent, Event, Origin

audit_log = logging.getLogger("portal.audit")


# Fields shown as "before/after" in the history.
SNAPSHOT_FIELDS = (
    "name",
    "email",
    "uf",
    "city",
    "renewal",
    "expires_on",
    "suspended_at",
    "pending_since",
    "pending_reason",
    "hidden_at",
    "notes",
)


def snapshot(client: Client, fields=SNAPSHOT_FIELDS) -> dict:
    data = {}
    for field in fields:
        value = getattr(client, field)
        data[field] = value.isoformat() if hasattr(value, "isoformat") else value
    data["status"] = client_status(client).value
    return data


def origin_of(by, origin: Origin | None = None) -> Origin:
    """Where a change by `by` came from: as given, or vendor staff's in the admin, a partner
    user's in the portal, nobody's by the system."""
    if origin is not None:
        return Origin(origin)
    if by is not None and by.is_authenticated:
        return Origin.ADMIN if by.is_staff else Origin.PORTAL
    return Origin.SYSTEM


def actor_of(by):
    """The user to record as the author of a change by `by`: none for the system or a visitor."""
    return by if by is not None and by.is_authenticated else None


def new_event(
    *, client, action: Event, by=None, actor_label="", before=None, after=None, note="", origin=None
):
    """The history row of one change, unsaved (record_event saves it; the import saves many)."""
    return ClientEvent(
        client=client,
        partner_id=client.partner_id,
        origin=origin_of(by, origin),
        actor=actor_of(by),
        actor_label=actor_label or (by.get_username() if by is not None else "sistema"),
        action=Event(action),
        before=before or {},
        after=after or {},
        note=note,
    )


def audit(event: ClientEvent) -> None:
    """One structured log line per change: which fields changed, never their values (e-mails,
    keys, reasons stay in the history, out of the logs)."""
    if not audit_log.isEnabledFor(logging.INFO):
        return
    changed = sorted(
        k for k in {*event.before, *event.after} if event.before.get(k) != event.after.get(k)
    )
    audit_line(
        action=event.action,
        client_id=event.client_id,
        partner_id=event.client.partner_id,
        actor_id=event.actor_id,
        origin=event.actor_label,
        changed=changed,
    )


def audit_line(*, action, client_id, partner_id, actor_id, origin, changed: list[str]) -> None:
    """The audit log line of one change (`audit`; the import's writer, which knows what
    changed without building the events in Python)."""
    audit_log.info(
        "%s client=%s",
        action,
        client_id,
        extra={
            "action": str(action),
            "client": client_id,
            "partner": partner_id,
            "actor": actor_id,
            "origin": origin,
            "changed": changed,
        },
    )


def record_event(
    *, client, action: Event, by=None, actor_label="", before=None, after=None, note="", origin=None
):
    event = new_event(
        client=client,
        action=action,
        by=by,
        actor_label=actor_label,
        before=before,
        after=after,
        note=note,
        origin=origin,
    )
    event.save()
    audit(event)
    return event
