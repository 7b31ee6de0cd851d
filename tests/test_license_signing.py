"""licenses.signing: the compact token verifies with the public key and fails when tampered
with; the key comes from the environment, or from var/ in DEBUG."""

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from licenses import signing

PAYLOAD = {
    "cliente": 7,
    "status": "ativo",
    "vencimento": "2026-12-18",
    "licencas": {"principal": 2},
}


def flip(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_a_token_verifies_with_the_public_key_and_carries_the_payload(signing_key):
    token = signing.sign(PAYLOAD)

    payload = signing.verify(token, signing_key.public_key())

    assert payload == {**PAYLOAD, "id_chave": signing.public_key_document()["id_chave"]}


def test_the_token_is_base64url_payload_dot_signature(signing_key):
    body, signature = signing.sign(PAYLOAD).split(".")

    assert json.loads(signing.b64url_decode(body))["cliente"] == 7
    assert len(signing.b64url_decode(signature)) == 64
    assert "=" not in body + signature


def test_a_tampered_payload_fails(signing_key):
    body, signature = signing.sign(PAYLOAD).split(".")
    forged = signing.b64url_encode(
        json.dumps({**PAYLOAD, "status": "ativo", "vencimento": "2099-12-31"}).encode()
    )

    with pytest.raises(signing.InvalidToken):
        signing.verify(f"{forged}.{signature}", signing_key.public_key())


@pytest.mark.parametrize("part", [0, 1])
def test_any_changed_character_fails(signing_key, part):
    pieces = signing.sign(PAYLOAD).split(".")
    pieces[part] = flip(pieces[part], 5)

    with pytest.raises(signing.InvalidToken):
        signing.verify(".".join(pieces), signing_key.public_key())


def test_another_key_does_not_verify_it(signing_key):
    token = signing.sign(PAYLOAD)

    with pytest.raises(signing.InvalidToken):
        signing.verify(token, Ed25519PrivateKey.generate().public_key())


@pytest.mark.parametrize("token", ["", "abc", "a.b.c", "ção.ção", "e30.AAAA"])
def test_a_malformed_token_fails(signing_key, token):
    with pytest.raises(signing.InvalidToken):
        signing.verify(token, signing_key.public_key())


def test_the_key_may_be_given_as_base64_of_the_raw_bytes(settings):
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.LICENSE_SIGNING_KEY = base64.b64encode(raw).decode()

    assert signing.verify(signing.sign(PAYLOAD), key.public_key())["cliente"] == 7


@pytest.mark.parametrize("value", ["not a key", base64.b64encode(b"short").decode()])
def test_a_bad_key_is_refused(settings, value):
    settings.LICENSE_SIGNING_KEY = value

    with pytest.raises(ImproperlyConfigured):
        signing.sign(PAYLOAD)


def test_without_a_key_and_debug_off_signing_refuses(settings):
    settings.DEBUG = False
    settings.LICENSE_SIGNING_KEY = ""

    with pytest.raises(ImproperlyConfigured, match="LICENSE_SIGNING_KEY"):
        signing.sign(PAYLOAD)


def test_without_a_key_check_deploy_fails(settings):
    settings.DEBUG = False
    settings.LICENSE_SIGNING_KEY = ""

    with pytest.raises(SystemCheckError, match="licenses.E001"):
        call_command("check", "--deploy", "--tag", "security")


def test_in_debug_a_development_key_is_made_once_under_var(settings, tmp_path):
    settings.DEBUG = True
    settings.LICENSE_SIGNING_KEY = ""
    settings.BASE_DIR = tmp_path
    signing._signing_key.cache_clear()

    first = signing.public_key_document()
    signing._signing_key.cache_clear()
    second = signing.public_key_document()

    path = tmp_path / "var" / "license-signing-key.pem"
    assert path.read_text().startswith("-----BEGIN PRIVATE KEY-----")
    assert path.stat().st_mode & 0o077 == 0
    assert first == second
    signing._signing_key.cache_clear()


def test_var_is_ignored_by_git():
    from pathlib import Path

    gitignore = Path(__file__).resolve().parent.parent / ".gitignore"
    assert "var/" in gitignore.read_text().split()
