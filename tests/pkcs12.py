"""Real A1 certificates for the tests (clients.demo_certificates), and their upload."""

from django.core.files.uploadedfile import SimpleUploadedFile

from clients.demo_certificates import make_certificate, octet_string, rsa_key
from clients.demo_certificates import make_pfx as _make_pfx

__all__ = ["CERTIFICATE_PASSWORD", "make_certificate", "make_pfx", "octet_string", "rsa_key"]

CERTIFICATE_PASSWORD = "Senha-do-A1 2026!"


def make_pfx(cnpj, *, password: str = CERTIFICATE_PASSWORD, **options) -> bytes:
    return _make_pfx(cnpj, password=password, **options)


def upload(data: bytes, name: str = "certificado.pfx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/x-pkcs12")
