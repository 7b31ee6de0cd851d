"""Real A1 certificates for the tests, made with cryptography (self-signed, e-CNPJ-like)."""

import datetime
from functools import cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile

from clients.certificates import ICP_BRASIL_CNPJ_OID

CERTIFICATE_PASSWORD = "Senha-do-A1 2026!"


@cache
def rsa_key(number: int = 0) -> rsa.RSAPrivateKey:
    """RSA 2048 keys, as ICP-Brasil A1 certificates use; made once per test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def octet_string(text: str) -> bytes:
    """The DER OCTET STRING ICP-Brasil puts in the CNPJ otherName."""
    return b"\x04" + bytes([len(text)]) + text.encode("ascii")


def make_certificate(
    cnpj: str | None,
    *,
    holder: str = "MERCADO BOM PRECO LTDA",
    cn_cnpj: bool = True,
    san_cnpj: bool = True,
    valid_from: datetime.datetime | None = None,
    valid_until: datetime.datetime | None = None,
    key=None,
) -> x509.Certificate:
    """An e-CNPJ-like certificate: CNPJ in the subjectAltName otherName and/or "NAME:CNPJ"."""
    now = datetime.datetime.now(datetime.UTC)
    valid_from = valid_from or now - datetime.timedelta(days=1)
    valid_until = valid_until or now + datetime.timedelta(days=365)
    key = key or rsa_key()
    common_name = f"{holder}:{cnpj}" if cnpj and cn_cnpj else holder
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "BR"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "AC Teste do Portal v5")])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(valid_from)
        .not_valid_after(valid_until)
    )
    if cnpj and san_cnpj:
        alt_names = [
            x509.RFC822Name("contato@example.com.br"),
            x509.OtherName(ICP_BRASIL_CNPJ_OID, octet_string(cnpj)),
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
    return builder.sign(key, hashes.SHA256())


def make_pfx(
    cnpj: str | None,
    *,
    password: str = CERTIFICATE_PASSWORD,
    with_key: bool = True,
    legacy: bool = False,
    **certificate_options,
) -> bytes:
    """A PKCS#12 file of the certificate (and its key, unless `with_key` is False).

    `legacy` encrypts it as Windows and older tools export A1 files (3DES, SHA-1 MAC).
    """
    certificate = make_certificate(cnpj, **certificate_options)
    if legacy:
        encryption = (
            serialization.PrivateFormat.PKCS12.encryption_builder()
            .kdf_rounds(2048)
            .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
            .hmac_hash(hashes.SHA1())
            .build(password.encode())
        )
    else:
        encryption = serialization.BestAvailableEncryption(password.encode())
    key = certificate_options.get("key") or rsa_key()
    return pkcs12.serialize_key_and_certificates(
        b"certificado", key if with_key else None, certificate, None, encryption
    )


def upload(data: bytes, name: str = "certificado.pfx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/x-pkcs12")
