"""Encryption at rest with rotating Fernet keys (the certificates, the two-factor secrets).

A setting holds one or more comma-separated keys (`portal.settings.fernet_keys` checks them):
the first encrypts, any of them decrypts, so a key is rotated by putting the new one first.
"""

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet(setting: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip()) for key in getattr(settings, setting).split(",")])


def encrypt(setting: str, data: bytes) -> str:
    """`data` encrypted with the first key of `setting`, as URL-safe base64 text."""
    return _fernet(setting).encrypt(data).decode("ascii")


def decrypt(setting: str, token: str) -> bytes:
    """The bytes of a token made by `encrypt`, with any key of `setting`."""
    return _fernet(setting).decrypt(token.encode("ascii"))
