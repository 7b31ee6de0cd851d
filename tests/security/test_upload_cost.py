"""Bounded cost of uploads: a certificate file whose own key-derivation counts (visible, or
inside its encrypted containers) add up past CERTIFICATE_MAX_KDF_ITERATIONS is refused
before OpenSSL derives anything; real exports pass; request bodies over their view's limit
are refused (413) before anything reads them."""

import os
import shutil
import subprocess
import time
from io import BytesIO

import pytest
from cryptography.hazmat.primitives import hashes, padding, serialization
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from clients.certificates import read_certificate
from clients.demo_certificates import make_certificate, rsa_key
from clients.models import Certificate
from clients.pkcs12_cost import check_cost
from clients.rc2 import decrypt_block, expand_key
from portal.uploads import BodyLimitMiddleware
from tests.pkcs12 import CERTIFICATE_PASSWORD, make_pfx, upload
from tests.security.der import explicit, integer, octets, oid, seq, tlv

CNPJ = "11222333000181"
DATA, ENCRYPTED_DATA = "1.2.840.113549.1.7.1", "1.2.840.113549.1.7.6"
PBES2, PBKDF2, HMAC_SHA256 = "1.2.840.113549.1.5.13", "1.2.840.113549.1.5.12", "1.2.840.113549.2.9"
AES_256_CBC = "2.16.840.1.101.3.4.1.42"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"


def _refusal(data: bytes) -> str:
    with pytest.raises(ValidationError) as raised:
        read_certificate(data, CERTIFICATE_PASSWORD)
    return raised.value.code


def _pbes2(salt: bytes, iterations: int, iv: bytes) -> bytes:
    kdf = seq(oid(PBKDF2), seq(octets(salt), integer(iterations), seq(oid(HMAC_SHA256))))
    return seq(oid(PBES2), seq(kdf, seq(oid(AES_256_CBC), octets(iv))))


def _pfx(authenticated_safe: bytes, mac: bytes = b"") -> bytes:
    return seq(integer(3), seq(oid(DATA), explicit(octets(authenticated_safe))), mac)


def _hidden_key_pfx(hidden_iterations: int) -> bytes:
    """A PKCS#12 file whose only container is encrypted (2,048 iterations, as usual) and
    holds a private key that asks for `hidden_iterations`: nothing shows them until the
    container is decrypted."""
    key_bag = seq(
        oid(SHROUDED_KEY_BAG),
        explicit(seq(_pbes2(b"s" * 8, hidden_iterations, b"i" * 16), octets(b"\0" * 32))),
    )
    salt, iv = os.urandom(8), os.urandom(16)
    key = PBKDF2HMAC(hashes.SHA256(), 32, salt, 2048).derive(CERTIFICATE_PASSWORD.encode())
    padder = padding.PKCS7(128).padder()
    plain = padder.update(seq(key_bag)) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(plain) + encryptor.finalize()
    encrypted_data = seq(integer(0), seq(oid(DATA), _pbes2(salt, 2048, iv), tlv(0x80, ciphertext)))
    return _pfx(seq(seq(oid(ENCRYPTED_DATA), explicit(encrypted_data))))


def test_usual_exports_pass_with_their_counts():
    # OpenSSL's own (through cryptography): AES-256 and PBKDF2, or 3DES with PKCS#12's KDF;
    # cryptography's best available: 20,000 for the key and the certificates, 2,048 for the MAC.
    assert check_cost(make_pfx(CNPJ), CERTIFICATE_PASSWORD) == 2 * 20_000 + 2_048
    assert check_cost(make_pfx(CNPJ, legacy=True), CERTIFICATE_PASSWORD) == 3 * 2_048
    assert read_certificate(make_pfx(CNPJ), CERTIFICATE_PASSWORD).cnpj == CNPJ


@pytest.mark.skipif(shutil.which("openssl") is None, reason="precisa do openssl")
@pytest.mark.parametrize(
    "options",
    [
        [],
        ["-legacy"],  # certificates in RC2-40, as OpenSSL 1.x and Java 8 exported
        ["-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES"],  # Windows' TripleDES-SHA1
        ["-iter", "50000"],  # Java 8's counts for the key and certificates
    ],
)
def test_files_exported_by_the_openssl_tool_pass(tmp_path, options):
    key, certificate = rsa_key(), make_certificate(CNPJ)
    (tmp_path / "k.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (tmp_path / "c.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    subprocess.run(
        ["openssl", "pkcs12", "-export", *options, "-inkey", "k.pem", "-in", "c.pem"]
        + ["-out", "a1.pfx", "-passout", f"pass:{CERTIFICATE_PASSWORD}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    data = (tmp_path / "a1.pfx").read_bytes()
    assert 2_048 <= check_cost(data, CERTIFICATE_PASSWORD) <= 150_000
    assert read_certificate(data, CERTIFICATE_PASSWORD).cnpj == CNPJ


def test_a_file_whose_counts_pass_the_bound_is_refused(settings):
    settings.CERTIFICATE_MAX_KDF_ITERATIONS = 40_000
    assert _refusal(make_pfx(CNPJ)) == "too_costly"  # 42,048


def test_a_mac_asking_for_millions_of_iterations_is_refused_before_any_derivation():
    # OpenSSL would run the 20 million iterations before finding the MAC wrong (seconds).
    mac = seq(
        seq(seq(oid("1.3.14.3.2.26"), tlv(0x05, b"")), octets(b"\0" * 20)),
        octets(b"salt"),
        integer(20_000_000),
    )
    data = _pfx(seq(), mac)
    started = time.perf_counter()
    assert _refusal(data) == "too_costly"
    assert time.perf_counter() - started < 1


def test_a_key_hidden_in_an_encrypted_container_counts_too():
    started = time.perf_counter()
    assert _refusal(_hidden_key_pfx(5_000_000)) == "too_costly"
    assert time.perf_counter() - started < 1


def test_a_scheme_that_cannot_be_looked_into_is_refused():
    scrypt = seq(
        oid(PBES2),
        seq(
            seq(
                oid("1.3.6.1.4.1.11591.4.11"),
                seq(octets(b"s"), integer(1 << 20), integer(8), integer(1)),
            ),
            seq(oid(AES_256_CBC), octets(b"i" * 16)),
        ),
    )
    bag = seq(oid(SHROUDED_KEY_BAG), explicit(seq(scrypt, octets(b"\0" * 32))))
    data = _pfx(seq(seq(oid(DATA), explicit(octets(seq(bag))))))
    assert _refusal(data) == "unsupported_encryption"


def test_rc2_decrypts_rfc_2268s_examples():
    examples = [
        ("0000000000000000", 63, "ebb773f993278eff", "0000000000000000"),
        ("ffffffffffffffff", 64, "278b27e42e2f0d49", "ffffffffffffffff"),
        ("88", 64, "61a8a244adacccf0", "0000000000000000"),
        ("88bca90e90875a7f0f79c384627bafb2", 128, "2269552ab0f85ca6", "0000000000000000"),
    ]
    for key, bits, ciphertext, plaintext in examples:
        block = decrypt_block(expand_key(bytes.fromhex(key), bits), bytes.fromhex(ciphertext))
        assert block.hex() == plaintext


class Unreadable(BytesIO):
    def read(self, *args):
        raise AssertionError("the body was read")


def test_a_body_over_its_views_limit_is_refused_before_it_is_read(db):
    request = RequestFactory().post("/entrar/", data=b"", content_type="text/plain")
    request.META["CONTENT_LENGTH"] = str(4 * 1024 * 1024)
    request.META["wsgi.input"] = request._stream = Unreadable()
    response = BodyLimitMiddleware(lambda r: None).process_view(request, lambda r: None, (), {})
    assert response.status_code == 413
    assert "passa do limite de 3 MB" in response.content.decode()


def test_a_certificate_upload_over_its_limit_is_a_413_and_changes_nothing(
    client_a, partner_a, make_client
):
    navi = make_client(partner_a, product="navi", cpf_cnpj=CNPJ)
    big = upload(b"0" * (2 * 1024 * 1024))
    response = client_a.post(
        reverse("clients:certificado", args=[navi.pk]),
        {"file": big, "password": CERTIFICATE_PASSWORD},
    )
    assert response.status_code == 413
    assert "O envio passa do limite de 1,1 MB" in response.text
    assert not Certificate.objects.exists()


def test_the_import_takes_bodies_up_to_its_own_limit_and_no_more(client_a, settings):
    settings.IMPORT_MAX_BYTES = 5 * 1024 * 1024
    header = b"nome,cpf_cnpj,email,produto,uf,cidade,vencimento\n"

    def send(size):
        csv = upload(header + b"x" * size, "clientes.csv")
        return client_a.post(reverse("clients:import"), {"arquivo": csv})

    assert send(4 * 1024 * 1024).status_code != 413  # over MAX_REQUEST_BODY_SIZE, under its own
    response = send(6 * 1024 * 1024)
    assert response.status_code == 413 and "passa do limite de 5,1 MB" in response.text
