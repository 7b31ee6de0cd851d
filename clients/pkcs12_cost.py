"""How much key derivation a PKCS#12 file asks for, read before OpenSSL derives anything.

A PKCS#12 file names its own iteration counts: the MAC's, each encrypted container's and
each encrypted private key's. OpenSSL honours any count, so a file of a few kB could ask for
minutes of work. `check_cost` reads the file's structure (RFC 7292) and adds up every count
OpenSSL would run — including those of the keys inside the encrypted containers, which it
decrypts first, one bounded derivation each — and refuses the file when the sum passes
CERTIFICATE_MAX_KDF_ITERATIONS, or when it protects something with a scheme this reader
cannot look into (OpenSSL would then derive keys unseen).

Real A1 certificates ask for far less than the bound (docs/security.md): OpenSSL and
Windows exports 2,000–2,048 per derivation, three derivations a file (about 6,000 in all);
Java's keytool 10,000 each (up to 200,000 in all for JDK 8's 50,000/100,000).
"""

import hashlib
from dataclasses import dataclass

from cryptography.hazmat.decrepit.ciphers.algorithms import ARC4, TripleDES
from cryptography.hazmat.primitives import hashes, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.conf import settings
from django.core.exceptions import ValidationError

from clients.rc2 import rc2_cbc_decrypt

DATA = "1.2.840.113549.1.7.1"
ENCRYPTED_DATA = "1.2.840.113549.1.7.6"
SHROUDED_KEY_BAG = "1.2.840.113549.1.12.10.1.2"
SAFE_CONTENTS_BAG = "1.2.840.113549.1.12.10.1.6"
PBES2 = "1.2.840.113549.1.5.13"
PBKDF2 = "1.2.840.113549.1.5.12"
PBMAC1 = "1.2.840.113549.1.5.14"
PRFS = {
    "1.2.840.113549.2.7": hashes.SHA1,
    "1.2.840.113549.2.8": hashes.SHA224,
    "1.2.840.113549.2.9": hashes.SHA256,
    "1.2.840.113549.2.10": hashes.SHA384,
    "1.2.840.113549.2.11": hashes.SHA512,
}
# PBES2's ciphers: (algorithm, key length).
PBES2_CIPHERS = {
    "2.16.840.1.101.3.4.1.2": (algorithms.AES, 16),
    "2.16.840.1.101.3.4.1.22": (algorithms.AES, 24),
    "2.16.840.1.101.3.4.1.42": (algorithms.AES, 32),
    "1.2.840.113549.3.7": (TripleDES, 24),
}
# PKCS#12's own password-based schemes (SHA-1): (cipher, key length, IV length).
PKCS12_PBE = {
    "1.2.840.113549.1.12.1.1": ("rc4", 16, 0),
    "1.2.840.113549.1.12.1.2": ("rc4", 5, 0),
    "1.2.840.113549.1.12.1.3": ("3des", 24, 8),
    "1.2.840.113549.1.12.1.4": ("3des", 16, 8),
    "1.2.840.113549.1.12.1.5": ("rc2", 16, 8),
    "1.2.840.113549.1.12.1.6": ("rc2", 5, 8),
}
MAX_DEPTH = 24  # of nested ASN.1 values; PKCS#12 needs about ten


class Malformed(ValueError):
    pass


@dataclass(frozen=True)
class Element:
    """One BER value: its tag, where its contents lie in `data`, and where it ends."""

    data: bytes
    tag: int
    position: int  # of the tag
    start: int
    stop: int
    end: int
    depth: int

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> list["Element"]:
        items, position = [], self.start
        while position < self.stop:
            item = read(self.data, position, self.depth + 1)
            items.append(item)
            position = item.end
        return items

    def octets(self) -> bytes:
        """An OCTET STRING's bytes, BER's constructed form included."""
        if not self.constructed:
            return self.data[self.start : self.stop]
        return b"".join(child.octets() for child in self.children())

    def integer(self) -> int:
        if self.tag != 0x02 or self.stop == self.start:
            raise Malformed("not an INTEGER")
        return int.from_bytes(self.data[self.start : self.stop], signed=True)

    def oid(self) -> str:
        raw = self.data[self.start : self.stop]
        if self.tag != 0x06 or not raw:
            raise Malformed("not an OBJECT IDENTIFIER")
        numbers, value = [], 0
        for byte in raw:
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                numbers.append(value)
                value = 0
        first = min(numbers[0] // 40, 2)
        return ".".join(str(n) for n in [first, numbers[0] - 40 * first, *numbers[1:]])


def read(data: bytes, position: int = 0, depth: int = 0) -> Element:
    """The BER value at `position` (definite or indefinite length)."""
    if depth > MAX_DEPTH or position + 2 > len(data):
        raise Malformed("truncated or too deep")
    tag, first = data[position], data[position + 1]
    if tag & 0x1F == 0x1F:
        raise Malformed("high tag numbers are not PKCS#12")
    start = position + 2
    if first == 0x80:  # indefinite: contents up to the end-of-contents octets
        if not tag & 0x20:
            raise Malformed("indefinite primitive")
        cursor = start
        while data[cursor : cursor + 2] != b"\x00\x00":
            cursor = read(data, cursor, depth + 1).end
            if cursor + 2 > len(data):
                raise Malformed("no end-of-contents")
        return Element(data, tag, position, start, cursor, cursor + 2, depth)
    if first & 0x80:
        size = first & 0x7F
        if size > 4:
            raise Malformed("length too long")
        length = int.from_bytes(data[start : start + size])
        start += size
    else:
        length = first
    stop = start + length
    if stop > len(data):
        raise Malformed("truncated")
    return Element(data, tag, position, start, stop, stop, depth)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _too_costly(total: int) -> ValidationError:
    limit = settings.CERTIFICATE_MAX_KDF_ITERATIONS
    return ValidationError(
        f"O arquivo do certificado pede {_number(total)} iterações de derivação de chave, "
        f"acima do limite de {_number(limit)}: exporte-o de novo com as opções padrão do "
        "programa.",
        code="too_costly",
    )


def _unsupported() -> ValidationError:
    return ValidationError(
        "O arquivo do certificado usa uma proteção que o portal não aceita: exporte-o de novo "
        "com as opções padrão (AES ou 3DES).",
        code="unsupported_encryption",
    )


class _Cost:
    def __init__(self):
        self.total = 0

    def add(self, iterations: int) -> None:
        if iterations < 1:
            raise Malformed("iteration count below 1")
        self.total += iterations
        if self.total > settings.CERTIFICATE_MAX_KDF_ITERATIONS:
            raise _too_costly(self.total)


def _algorithm(element: Element) -> tuple[str, list[Element]]:
    parts = element.children()
    return parts[0].oid(), parts[1:]


def _pbkdf2(params: Element) -> tuple[bytes, int, int | None, type]:
    """PBKDF2's salt, iterations, key length (if given) and PRF."""
    salt, iterations, *rest = params.children()
    length = rest.pop(0).integer() if rest and rest[0].tag == 0x02 else None
    prf = hashes.SHA1
    if rest:
        prf_oid, _ = _algorithm(rest[0])
        if prf_oid not in PRFS:
            raise _unsupported()
        prf = PRFS[prf_oid]
    if salt.tag != 0x04:
        raise _unsupported()
    return salt.octets(), iterations.integer(), length, prf


def scheme_iterations(algorithm: Element) -> int:
    """The iteration count of a password-based encryption scheme; refused if unknown."""
    oid, params = _algorithm(algorithm)
    if oid in PKCS12_PBE and params:
        return params[0].children()[1].integer()
    if oid == PBES2 and params:
        kdf, _ = params[0].children()
        kdf_oid, kdf_params = _algorithm(kdf)
        if kdf_oid != PBKDF2 or not kdf_params:
            raise _unsupported()
        return _pbkdf2(kdf_params[0])[1]
    raise _unsupported()


def _pkcs12_kdf(password: bytes, salt: bytes, purpose: int, iterations: int, size: int):
    """RFC 7292, appendix B.2, with SHA-1 (u = 20, v = 64)."""

    def stretched(value: bytes) -> bytes:
        if not value:
            return b""
        length = 64 * -(-len(value) // 64)
        return (value * (length // len(value) + 1))[:length]

    blocks = stretched(salt) + stretched(password)
    output = b""
    while len(output) < size:
        digest = hashlib.sha1(bytes([purpose]) * 64 + blocks).digest()
        for _ in range(iterations - 1):
            digest = hashlib.sha1(digest).digest()
        output += digest
        addend = int.from_bytes(stretched(digest)) + 1
        blocks = b"".join(
            ((int.from_bytes(blocks[i : i + 64]) + addend) % (1 << 512)).to_bytes(64)
            for i in range(0, len(blocks), 64)
        )
    return output[:size]


def decrypt(algorithm: Element, password: str, ciphertext: bytes) -> bytes:
    """What OpenSSL would decrypt, decrypted the same way; ValidationError(wrong_password)
    when the password does not open it."""
    oid, params = _algorithm(algorithm)
    if oid in PKCS12_PBE:
        cipher, key_size, iv_size = PKCS12_PBE[oid]
        salt, iterations = params[0].children()
        secret = password.encode("utf-16-be") + b"\x00\x00"
        key = _pkcs12_kdf(secret, salt.octets(), 1, iterations.integer(), key_size)
        iv = _pkcs12_kdf(secret, salt.octets(), 2, iterations.integer(), iv_size)
        if cipher == "rc4":
            return Cipher(ARC4(key), mode=None).decryptor().update(ciphertext)
        if cipher == "rc2":
            plain = rc2_cbc_decrypt(key, iv, ciphertext, effective_bits=8 * key_size)
            return _unpad(plain, 64)
        algorithm_ = TripleDES(key if key_size == 24 else key + key[:8])
        return _cbc(algorithm_, iv, ciphertext)
    kdf, scheme = params[0].children()
    salt, iterations, length, prf = _pbkdf2(_algorithm(kdf)[1][0])
    scheme_oid, scheme_params = _algorithm(scheme)
    if scheme_oid not in PBES2_CIPHERS or not scheme_params:
        raise _unsupported()
    cipher, key_size = PBES2_CIPHERS[scheme_oid]
    if length not in (None, key_size):
        raise _unsupported()
    key = PBKDF2HMAC(prf(), key_size, salt, iterations).derive(password.encode("utf-8"))
    return _cbc(cipher(key), scheme_params[0].octets(), ciphertext)


def _cbc(algorithm, iv: bytes, ciphertext: bytes) -> bytes:
    if len(iv) * 8 != algorithm.block_size or len(ciphertext) % len(iv):
        raise Malformed("bad IV or ciphertext length")
    decryptor = Cipher(algorithm, modes.CBC(iv)).decryptor()
    return _unpad(decryptor.update(ciphertext) + decryptor.finalize(), algorithm.block_size)


def _unpad(plain: bytes, block_size: int) -> bytes:
    unpadder = padding.PKCS7(block_size).unpadder()
    try:
        return unpadder.update(plain) + unpadder.finalize()
    except ValueError:
        raise ValidationError(
            "Senha incorreta para este certificado.", code="wrong_password"
        ) from None


def _safe_contents(data: bytes, cost: _Cost, depth: int = 0) -> None:
    """The keys in a SafeContents (and in the SafeContents nested in it)."""
    if depth > 4:
        raise Malformed("safe contents nested too deep")
    for bag in read(data).children():
        bag_id, *rest = bag.children()
        if not rest:
            continue
        (value,) = rest[0].children()[:1]
        if bag_id.oid() == SHROUDED_KEY_BAG:
            cost.add(scheme_iterations(value.children()[0]))
        elif bag_id.oid() == SAFE_CONTENTS_BAG:
            _safe_contents(value.data[value.position : value.end], cost, depth + 1)


def _decrypted_contents(algorithm: Element, password: str, ciphertext: bytes, cost: _Cost):
    plain = decrypt(algorithm, password, ciphertext)
    try:
        _safe_contents(plain, cost)
    except (Malformed, IndexError, ValueError):
        # Decrypted into no SafeContents (RC4 has no padding to tell): a wrong password.
        raise ValidationError(
            "Senha incorreta para este certificado.", code="wrong_password"
        ) from None


def check_cost(data: bytes, password: str) -> int:
    """The file's derivations, added up (its MAC, containers and keys); ValidationError
    when they pass the bound or use a scheme this reader cannot look into. The encrypted
    containers are decrypted here (each a derivation already counted) to count the keys
    inside them; a password that does not open them is wrong_password."""
    cost = _Cost()
    try:
        version, auth_safe, *mac_data = read(data).children()
        if mac_data:
            digest_info, _salt, *iterations = mac_data[0].children()
            mac_oid, mac_params = _algorithm(digest_info.children()[0])
            if mac_oid == PBMAC1:
                kdf = mac_params[0].children()[0]
                cost.add(_pbkdf2(_algorithm(kdf)[1][0])[1])
            else:
                cost.add(iterations[0].integer() if iterations else 1)
        content_type, wrapped = auth_safe.children()
        if content_type.oid() != DATA:
            raise _unsupported()
        authenticated_safe = wrapped.children()[0].octets()
        for container in read(authenticated_safe).children():
            kind, *content = container.children()
            if kind.oid() == DATA:
                _safe_contents(content[0].children()[0].octets(), cost)
            elif kind.oid() == ENCRYPTED_DATA:
                _version, info = content[0].children()[0].children()
                _type, algorithm, *encrypted = info.children()
                cost.add(scheme_iterations(algorithm))
                if encrypted:
                    _decrypted_contents(algorithm, password, encrypted[0].octets(), cost)
            else:
                raise _unsupported()
    except (Malformed, IndexError, ValueError):
        raise ValidationError(
            "O arquivo não é um certificado A1 (PKCS#12, .pfx ou .p12).", code="not_pkcs12"
        ) from None
    return cost.total
