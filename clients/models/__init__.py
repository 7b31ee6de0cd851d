"""The client and its facts, one module per part; imported from here."""

from clients.models.client import UF_CHOICES, Client, Product, Renewal
from clients.models.credit import CreditAccount, CreditEntry, EntryKind, Price
from clients.models.history import ClientEvent, Event, Origin
from clients.models.licensing import (
    CERTIFICATE_WARNING_DAYS,
    Certificate,
    License,
    LinkVersionSetting,
    Module,
    RegistrationCode,
    ReleasedKey,
)
from clients.models.notifications import NotificationKind, NotificationLog
from clients.models.tally import StatusTally

__all__ = [
    "CERTIFICATE_WARNING_DAYS",
    "UF_CHOICES",
    "Certificate",
    "Client",
    "CreditAccount",
    "CreditEntry",
    "EntryKind",
    "ClientEvent",
    "Event",
    "License",
    "LinkVersionSetting",
    "Module",
    "NotificationKind",
    "NotificationLog",
    "Origin",
    "Price",
    "Product",
    "RegistrationCode",
    "ReleasedKey",
    "Renewal",
    "StatusTally",
]
