"""What the customers' software does through the API: activate with a registration code and
check in with its license key. The views in licenses.api only translate HTTP to these.

Activation consumes a code exactly once: the code's row is locked (select_for_update) and its
`consumed_at` re-read inside the transaction, so of two concurrent activations one wins and the
other sees the code consumed. A check-in is the hot path: two reads and one UPDATE, and a
history event only when the reported version changes.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from clients.services import record_event, snapshot
from clients.status import client_status
from licenses import signing
from licenses.models import RegistrationCode, new_license_key, normalize_registration_code

# What the history shows before/after an activation or a version change (the key itself, a
# bearer secret, stays out of the history).
CONTACT_FIELDS = ("link_version", "last_seen_at")
ACTOR = "api"


class ApiError(Exception):
    """A refusal the API reports as `{"erro": message}` with `http_status`."""

    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BodyTooLarge(ApiError):
    http_status = 413


class CodeNotFound(ApiError):
    http_status = 404


class CodeAlreadyUsed(ApiError):
    http_status = 409


class KeyNotFound(ApiError):
    http_status = 404


def license_counts(client: Client, today: datetime.date) -> dict[str, int]:
    """The licenses in force today, by module (`principal` is the main count)."""
    return {lic.module: lic.current_quantity(today) for lic in client.licenses.all()}


def license_state(client: Client) -> dict:
    """What both endpoints answer about a client: status, vencimento, licenses, signed token."""
    today = timezone.localdate()
    status = client_status(client, today).value
    vencimento = client.expires_on.isoformat()
    licencas = license_counts(client, today)
    token = signing.sign(
        {
            "cliente": client.pk,
            "status": status,
            "vencimento": vencimento,
            "licencas": licencas,
            "emitida_em": int(timezone.now().timestamp()),
        }
    )
    return {
        "status": status,
        "vencimento": vencimento,
        "licencas": licencas,
        "licenca_assinada": token,
    }


def client_activate(*, code: str, machine: str, version: str) -> Client:
    """Consume registration `code` for `machine`: the client gets a new license key and the
    reported Link version. Any status may activate (the answer tells the software whether to
    block). Unknown code → CodeNotFound; consumed code → CodeAlreadyUsed."""
    normalized = normalize_registration_code(code)
    with transaction.atomic():
        registration = (
            RegistrationCode.objects.select_for_update().filter(code=normalized).first()
            if normalized
            else None
        )
        if registration is None:
            raise CodeNotFound("Código de registro não encontrado.")
        if registration.is_consumed:
            raise CodeAlreadyUsed("Este código de registro já foi usado.")
        client = Client.objects.select_for_update().get(pk=registration.client_id)
        before = snapshot(client, CONTACT_FIELDS)
        now = timezone.now()
        registration.consumed_at = now
        registration.machine = machine
        registration.save(update_fields=["consumed_at", "machine"])
        client.license_key = new_license_key()
        client.link_version = version
        client.last_seen_at = now
        client.save(update_fields=["license_key", "link_version", "last_seen_at", "updated_at"])
        record_event(
            client=client,
            action="ativar",
            actor_label=ACTOR,
            before=before,
            after=snapshot(client, CONTACT_FIELDS),
            note=f"Código {registration.code} usado na máquina {machine}.",
        )
    return client


def client_check_in(*, key: str, version: str) -> Client:
    """Record a check-in: the time of contact and the reported version. Any status may check
    in (the answer carries it). Unknown key → KeyNotFound."""
    client = (
        Client.objects.filter(license_key=key.strip().upper())
        .only("pk", "expires_on", "suspended_at", "pending_since", "hidden_at", "link_version")
        .first()
    )
    if client is None:
        raise KeyNotFound("Chave não encontrada.")
    now = timezone.now()
    if client.link_version == version:
        # The usual case: one UPDATE, no lock, no history.
        Client.objects.filter(pk=client.pk).update(last_seen_at=now)
        client.last_seen_at = now
        return client
    with transaction.atomic():
        client = Client.objects.select_for_update().get(pk=client.pk)
        before = snapshot(client, CONTACT_FIELDS)
        client.link_version = version
        client.last_seen_at = now
        client.save(update_fields=["link_version", "last_seen_at", "updated_at"])
        record_event(
            client=client,
            action="versao",
            actor_label=ACTOR,
            before=before,
            after=snapshot(client, CONTACT_FIELDS),
            note=f"Versão do Link informada: {version}.",
        )
    return client
