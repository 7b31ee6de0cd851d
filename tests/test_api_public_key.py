"""GET /api/v1/chave-publica: the Ed25519 public key the software checks licenses with."""

import base64

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def raw(public_key):
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_it_answers_the_public_key_raw_and_pem(api, signing_key):
    response = api.get("chave-publica")

    assert response.status_code == 200
    data = response.json()
    assert data["algoritmo"] == "Ed25519"
    expected = raw(signing_key.public_key())
    assert base64.urlsafe_b64decode(data["chave_publica"] + "=") == expected
    pem_key = serialization.load_pem_public_key(data["pem"].encode())
    assert isinstance(pem_key, Ed25519PublicKey)
    assert raw(pem_key) == expected
    assert len(data["id_chave"]) == 16


def test_it_may_be_cached_by_clients(api):
    response = api.get("chave-publica")

    assert "public" in response["Cache-Control"]
    assert "max-age=3600" in response["Cache-Control"]


def test_it_never_reveals_the_private_key(api, signing_key):
    private = signing_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )

    body = api.get("chave-publica").content

    assert b"PRIVATE" not in body
    assert base64.urlsafe_b64encode(private).rstrip(b"=") not in body


def test_the_openapi_schema_is_served(api):
    response = api.get("openapi.yaml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/yaml")
    assert b"/ativacao:" in response.content


def test_the_openapi_schema_documents_every_api_address():
    from django.urls import get_resolver

    from licenses.api import OPENAPI_PATH

    schema = OPENAPI_PATH.read_text()
    names = [p.pattern._route for p in get_resolver("licenses.urls").url_patterns if p.name]
    assert names == ["ativacao", "verificacao", "chave-publica", "openapi.yaml"]
    for name in names:
        assert f"\n  /{name}:\n" in schema
