"""The Ed25519 key that signs license tokens, and the compact token format.

A token is ``base64url(payload JSON) + "." + base64url(Ed25519 signature of those first
bytes)``, without padding: the customer's software checks it offline with the public key from
``GET /api/v1/chave-publica``.

The private key comes from ``settings.LICENSE_SIGNING_KEY`` (the environment variable of the
same name): PEM (PKCS#8) or base64 of the 32 raw bytes. With DEBUG on and no key set, a
development key is generated on first use and kept in ``var/license-signing-key.pem``
(git-ignored). With DEBUG off and no key, signing refuses (ImproperlyConfigured) and
``manage.py check --deploy`` reports it.
"""

import base64
import binascii
import functools
import hashlib
import json
from pathlib import Path
from typing import NamedTuple

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.devkeys import development_secret

ALGORITHM = "Ed25519"


class InvalidToken(Exception):
    """The token is malformed or its signature does not match the public key."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def development_key_path() -> Path:
    return Path(settings.BASE_DIR) / "var" / "license-signing-key.pem"


def load_private_key(text: str) -> Ed25519PrivateKey:
    """A private key from PEM or from base64 (standard or URL-safe) of the 32 raw bytes."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ImproperlyConfigured("LICENSE_SIGNING_KEY não é uma chave Ed25519.")
        return key
    try:
        raw = base64.b64decode(text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured("LICENSE_SIGNING_KEY não é PEM nem base64.") from error
    if len(raw) != 32:
        raise ImproperlyConfigured("LICENSE_SIGNING_KEY em base64 deve ter 32 bytes.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def private_key_pem(key: Ed25519PrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _development_key() -> Ed25519PrivateKey:
    secret = development_secret(
        development_key_path(), lambda: private_key_pem(Ed25519PrivateKey.generate())
    )
    return load_private_key(secret)


class SigningKey(NamedTuple):
    private: Ed25519PrivateKey
    key_id: str
    document: dict  # what GET /api/v1/chave-publica answers


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint of the public key, so a client can tell which key signed a token."""
    return hashlib.sha256(public_key_raw(key)).hexdigest()[:16]


def public_key_raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@functools.cache
def _signing_key(configured: str, debug: bool) -> SigningKey:
    if configured:
        private = load_private_key(configured)
    elif debug:
        private = _development_key()
    else:
        raise ImproperlyConfigured(
            "LICENSE_SIGNING_KEY deve ser definida quando DEBUG está desligado "
            "(chave Ed25519 em PEM ou base64 dos 32 bytes)."
        )
    public = private.public_key()
    document = {
        "algoritmo": ALGORITHM,
        "id_chave": key_id(public),
        "chave_publica": b64url_encode(public_key_raw(public)),
        "pem": public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii"),
    }
    return SigningKey(private, document["id_chave"], document)


def signing_key() -> SigningKey:
    # Keyed on the settings' values, so a changed setting (tests) takes effect at once.
    return _signing_key(settings.LICENSE_SIGNING_KEY, settings.DEBUG)


def public_key() -> Ed25519PublicKey:
    return signing_key().private.public_key()


def public_key_document() -> dict:
    """The public key, raw (base64url) and PEM, with its id."""
    return signing_key().document


def sign(payload: dict) -> str:
    """The compact token for `payload` (a JSON-serialisable dict), signed with the private key."""
    key = signing_key()
    body = b64url_encode(
        json.dumps(
            {**payload, "id_chave": key.key_id},
            separators=(",", ":"),
            sort_keys=True,
            ensure_ascii=False,
        ).encode()
    )
    return f"{body}.{b64url_encode(key.private.sign(body.encode('ascii')))}"


def verify(token: str, key: Ed25519PublicKey) -> dict:
    """The payload of `token` if its signature is valid for `key`; InvalidToken otherwise."""
    try:
        body, signature = token.split(".")
        key.verify(b64url_decode(signature), body.encode("ascii"))
        payload = json.loads(b64url_decode(body))
    except (ValueError, UnicodeError, binascii.Error, InvalidSignature) as error:
        raise InvalidToken("Licença assinada inválida.") from error
    if not isinstance(payload, dict):
        raise InvalidToken("Licença assinada inválida.")
    return payload


def public_key_from_document(document: dict) -> Ed25519PublicKey:
    """The key in a ``chave-publica`` answer (what a client does with it)."""
    return Ed25519PublicKey.from_public_bytes(b64url_decode(document["chave_publica"]))
