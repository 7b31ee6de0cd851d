"""What the customers' software does through the API: activate with a registration code and
check in with its license key. The views in licenses.api only translate HTTP to these.

Activation consumes a code exactly once: the code's row is locked (select_for_update) and its
`consumed_at` re-read inside the transaction, so of two concurrent activations one wins and the
other sees the code consumed. A check-in is the hot path: it answers from the client's facts
(licenses.replica) and writes a history event only when the reported version changes.
"""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from clients.models import (
    Client,
    License,
    RegistrationCode,
    new_license_key,
    normalize_registration_code,
)
from clients.services import record_event, snapshot
from clients.status import client_status
from licenses import signing
from licenses.replica import Facts, LicenseFacts, replica, touch

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


def license_state(client: Client | Facts, licenses: Iterable[License | LicenseFacts]) -> dict:
    """What both endpoints answer about a client: status, vencimento, the licenses in force
    today by module (`principal` is the main count), and the signed token of all that."""
    today = timezone.localdate()
    status = client_status(client, today).value
    vencimento = client.expires_on.isoformat()
    licencas = {lic.module: lic.current_quantity(today) for lic in licenses}
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


def client_check_in(*, key: str, version: str) -> Facts:
    """Record a check-in: the time of contact and the reported version. Any status may check
    in (the answer carries it). Unknown key → KeyNotFound.

    This is the hot path, every installation calls it. On PostgreSQL the facts usually come
    from this process's replica and the time of contact is written with others a moment later
    (licenses.replica); otherwise one statement sets it and reads them. A lock and a history
    event only when the version changes."""
    key = key.strip().upper()
    now = timezone.now()
    facts = replica.get(key)
    if facts is not None:
        replica.seen(key, now)
    else:
        generation = replica.generation
        facts = touch(key, now)
        if facts is None:
            raise KeyNotFound("Chave não encontrada.")
        replica.remember(key, facts, generation)
    if facts.link_version != version:
        _record_version(facts.pk, version)
    return facts


def _record_version(client_id: int, version: str) -> None:
    with transaction.atomic():
        locked = Client.objects.select_for_update().get(pk=client_id)
        if locked.link_version == version:  # a concurrent check-in recorded it already
            return
        before = snapshot(locked, CONTACT_FIELDS)
        locked.link_version = version
        locked.save(update_fields=["link_version", "updated_at"])
        record_event(
            client=locked,
            action="versao",
            actor_label=ACTOR,
            before=before,
            after=snapshot(locked, CONTACT_FIELDS),
            note=f"Versão do Link informada: {version}.",
        )
