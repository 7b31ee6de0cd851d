"""A1 digital certificates of Navi clients: read a PKCS#12 file, check it, keep it encrypted.

A partner uploads the client's A1 certificate (a `.pfx`/`.p12` PKCS#12 file) and its
password; Navi later uses both to sign the client's fiscal documents. The portal:

- reads the file with `cryptography` and refuses what Navi could not use (not PKCS#12, wrong
  password, no private key, expired, another company's CNPJ, over 1 MB), each with a pt-BR
  message (`ValidationError` with a code: too_large, empty, not_pkcs12, wrong_password,
  no_private_key, key_mismatch, expired, not_yet_valid, no_cnpj, wrong_cnpj);
- keeps the file and the password only encrypted at rest (Fernet, keys from
  `settings.CERTIFICATE_ENCRYPTION_KEY`), and the certificate's public facts in clear;
- refuses, before any key derivation, a file whose own iteration counts add up to more
  than CERTIFICATE_MAX_KDF_ITERATIONS (clients.pkcs12_cost: too_costly,
  unsupported_encryption);
- never logs the password nor puts it in the client's history.
"""

import datetime
import logging
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.views.decorators.debug import sensitive_variables

from clients.domain.actions import Action, can
from clients.domain.documents import format_document, normalize_document
from clients.models import Certificate, Client, Event
from clients.pkcs12_cost import check_cost
from clients.services import ActionNotAllowed
from clients.services.recording import record_event
from portal import encryption

logger = logging.getLogger(__name__)

MAX_FILE_SIZE = 1024 * 1024  # 1 MB; a real A1 file is a few kB

# ICP-Brasil e-CNPJ certificates carry the company's CNPJ in a subjectAltName otherName
# with this OID (DOC-ICP-04); many also end the subject CN with ":<CNPJ>".
ICP_BRASIL_CNPJ_OID = x509.ObjectIdentifier("2.16.76.1.3.3")

# ValidationError codes that belong to the password field (the others are the file's).
PASSWORD_CODES = frozenset({"wrong_password"})


@dataclass(frozen=True)
class CertificateInfo:
    """What an A1 certificate says about itself (public facts only)."""

    holder: str
    cnpj: str  # normalised; "" when the certificate names none
    issuer: str
    serial_number: str
    fingerprint: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime


# --- Encryption at rest -------------------------------------------------------------------


def encrypt(data: bytes) -> str:
    return encryption.encrypt("CERTIFICATE_ENCRYPTION_KEY", data)


def decrypt(token: str) -> bytes:
    return encryption.decrypt("CERTIFICATE_ENCRYPTION_KEY", token)


def certificate_secrets(certificate: Certificate) -> tuple[bytes, str]:
    """The PKCS#12 bytes and the password of a stored certificate, decrypted (for signing)."""
    return (
        decrypt(certificate.encrypted_file),
        decrypt(certificate.encrypted_password).decode("utf-8"),
    )


# --- Reading and checking -----------------------------------------------------------------


def _date(moment: datetime.datetime) -> str:
    return f"{timezone.localtime(moment):%d/%m/%Y}"


def check_file_size(size: int) -> None:
    if size > MAX_FILE_SIZE:
        raise ValidationError(
            "O arquivo passa do limite de 1 MB: um certificado A1 tem poucos kB.",
            code="too_large",
        )
    if size == 0:
        raise ValidationError("O arquivo está vazio.", code="empty")


def _looks_like_pkcs12(data: bytes) -> bool:
    """A PKCS#12 file is a DER (or BER) SEQUENCE whose first element is INTEGER 3, its version.

    cryptography answers a wrong password and a file that is not PKCS#12 alike (ValueError);
    this header tells the two apart.
    """
    if len(data) < 5 or data[0] != 0x30:
        return False
    length = data[1]
    offset = 2 + (length & 0x7F if length > 0x80 else 0)  # 0x80: BER indefinite length
    return data[offset : offset + 3] == b"\x02\x01\x03"


def _der_text(value: bytes) -> str:
    """The text of a DER OCTET STRING, UTF8String, PrintableString or IA5String; else ""."""
    if len(value) < 2 or value[0] not in (0x04, 0x0C, 0x13, 0x16):
        return ""
    length, offset = value[1], 2
    if length & 0x80:
        size = length & 0x7F
        length, offset = int.from_bytes(value[2 : 2 + size]), 2 + size
    return value[offset : offset + length].decode("latin-1")


def _attribute(name: x509.Name, oid) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value).strip() if values else ""


def _cnpj_from_alt_name(certificate: x509.Certificate) -> str:
    try:
        alt_name = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return ""
    for other in alt_name.value.get_values_for_type(x509.OtherName):
        if other.type_id == ICP_BRASIL_CNPJ_OID:
            cnpj = normalize_document(_der_text(other.value))
            if len(cnpj) == 14:
                return cnpj
    return ""


def describe_certificate(certificate: x509.Certificate) -> CertificateInfo:
    """Holder, CNPJ (subjectAltName first, then the "NAME:CNPJ" common name) and validity."""
    common_name = _attribute(certificate.subject, NameOID.COMMON_NAME)
    holder, colon, tail = common_name.rpartition(":")
    name_cnpj = normalize_document(tail) if colon else ""
    if len(name_cnpj) != 14:
        holder, name_cnpj = common_name, ""
    holder = (
        holder.strip()
        or _attribute(certificate.subject, NameOID.ORGANIZATION_NAME)
        or certificate.subject.rfc4514_string()
    )
    issuer = (
        _attribute(certificate.issuer, NameOID.COMMON_NAME) or certificate.issuer.rfc4514_string()
    )
    return CertificateInfo(
        holder=holder[:200],
        cnpj=_cnpj_from_alt_name(certificate) or name_cnpj,
        issuer=issuer[:300],
        serial_number=f"{certificate.serial_number:x}"[:64],
        fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        valid_from=certificate.not_valid_before_utc,
        valid_until=certificate.not_valid_after_utc,
    )


def _public_key_bytes(key) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@sensitive_variables("password")
def read_certificate(data: bytes, password: str) -> CertificateInfo:
    """Open a PKCS#12 file with its password and check Navi can sign with it today.

    Raises ValidationError (a code, a pt-BR message) otherwise.
    """
    check_file_size(len(data))
    # The file's own iteration counts, bounded before OpenSSL derives any key from them.
    check_cost(data, password)
    try:
        bundle = pkcs12.load_pkcs12(data, password.encode("utf-8"))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        if _looks_like_pkcs12(data):
            raise ValidationError(
                "Senha incorreta para este certificado.", code="wrong_password"
            ) from None
        raise ValidationError(
            "O arquivo não é um certificado A1 (PKCS#12, .pfx ou .p12).", code="not_pkcs12"
        ) from None
    if bundle.key is None:
        raise ValidationError(
            "O arquivo não contém a chave privada: exporte o certificado A1 com a chave privada.",
            code="no_private_key",
        )
    certificate = bundle.cert.certificate if bundle.cert is not None else None
    if certificate is None or _public_key_bytes(certificate.public_key()) != _public_key_bytes(
        bundle.key.public_key()
    ):
        raise ValidationError(
            "O arquivo não contém o certificado da sua chave privada.", code="key_mismatch"
        )
    info = describe_certificate(certificate)
    now = timezone.now()
    if info.valid_until <= now:
        raise ValidationError(
            f"O certificado venceu em {_date(info.valid_until)}: envie um certificado válido.",
            code="expired",
        )
    if info.valid_from > now:
        raise ValidationError(
            f"O certificado só é válido a partir de {_date(info.valid_from)}.",
            code="not_yet_valid",
        )
    return info


def cnpj_matches(certificate_cnpj: str, client_document: str) -> bool:
    """The certificate belongs to the client's company.

    SEFAZ checks the CNPJ root (the first 8 characters, the company; NF-e rejection 213), so
    a branch (filial) may sign with its head office's e-CNPJ: the same root is accepted.
    """
    return len(client_document) == 14 and certificate_cnpj[:8] == client_document[:8]


def check_belongs_to(info: CertificateInfo, client: Client) -> None:
    if not info.cnpj:
        raise ValidationError(
            "O certificado não informa um CNPJ: envie o e-CNPJ (A1) do cliente.",
            code="no_cnpj",
        )
    if not cnpj_matches(info.cnpj, client.cpf_cnpj):
        kind = "CNPJ" if len(client.cpf_cnpj) == 14 else "CPF"
        raise ValidationError(
            f"O certificado é do CNPJ {format_document(info.cnpj)}, não do cliente "
            f"({kind} {client.cpf_cnpj_display}).",
            code="wrong_cnpj",
        )


# --- The service --------------------------------------------------------------------------


def certificate_snapshot(certificate: Certificate | None) -> dict:
    """A certificate's public facts for the client's history (never the file or password)."""
    if certificate is None:
        return {}
    return {
        "holder": certificate.holder,
        "cnpj": certificate.cnpj,
        "issuer": certificate.issuer,
        "serial_number": certificate.serial_number,
        "fingerprint": certificate.fingerprint,
        "valid_from": certificate.valid_from.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "file_name": certificate.file_name,
    }


def check_certificate_allowed(client: Client) -> None:
    if not can(client, Action.CERTIFICATE):
        raise ActionNotAllowed(
            f"Certificado digital não está disponível para este cliente "
            f"({client.get_product_display()}, {client.status.label})."
        )


@sensitive_variables("password", "data")
def client_certificate_upload(*, client: Client, file, password: str, by) -> Certificate:
    """Store a Navi client's A1 certificate, replacing the previous one.

    Only for Navi clients that are Ativo or Suspenso (`can(client, Action.CERTIFICATE)`).
    `file` is an uploaded file (anything with `size`, `read()` and `name`). Raises
    ActionNotAllowed for another client, ValidationError for a certificate Navi cannot use;
    either way nothing is changed and no event is written.
    """
    # A quick answer before the key derivation, which is slow by design (~60 ms) and runs
    # before the row is locked; the answer that counts is the one on the locked row.
    check_certificate_allowed(client)
    check_file_size(file.size)
    data = file.read()
    try:
        info = read_certificate(data, password)
        with transaction.atomic():
            locked = Client.objects.select_for_update().get(pk=client.pk)
            check_certificate_allowed(locked)
            check_belongs_to(info, locked)
            previous = Certificate.objects.filter(client=locked).first()
            certificate, _ = Certificate.objects.update_or_create(
                client=locked,
                defaults={
                    "holder": info.holder,
                    "cnpj": info.cnpj,
                    "issuer": info.issuer,
                    "serial_number": info.serial_number,
                    "fingerprint": info.fingerprint,
                    "valid_from": info.valid_from,
                    "valid_until": info.valid_until,
                    "file_name": os.path.basename(getattr(file, "name", "") or "")[:200],
                    "encrypted_file": encrypt(data),
                    "encrypted_password": encrypt(password.encode("utf-8")),
                    "uploaded_at": timezone.now(),
                    "uploaded_by": by if by is not None and by.is_authenticated else None,
                },
            )
            record_event(
                client=locked,
                action=Event.CERTIFICATE,
                by=by,
                before=certificate_snapshot(previous),
                after=certificate_snapshot(certificate),
                note="Certificado substituído." if previous else "Certificado enviado.",
            )
    except ValidationError as error:
        logger.info("certificate refused client=%s reason=%s", client.pk, error.code)
        raise
    logger.info(
        "certificate stored client=%s serial=%s valid_until=%s",
        client.pk,
        certificate.serial_number,
        certificate.valid_until.date().isoformat(),
    )
    return certificate
