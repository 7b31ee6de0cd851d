"""Link registration codes and license keys: how they are drawn and read back."""

import secrets

# Codes are shown as XXXXX-XXXXX-XXXXX-XXXXX: 20 symbols of a 31-letter alphabet without
# look-alikes (no 0/O, 1/I/L) carry 20·log2(31) ≈ 99 bits. License keys use the same alphabet
# in five groups (≈ 124 bits): they are bearer secrets the customer's software keeps.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_GROUPS, CODE_GROUP_SIZE = 4, 5
KEY_GROUPS = 5


def _grouped(symbols: str) -> str:
    return "-".join(
        symbols[i : i + CODE_GROUP_SIZE] for i in range(0, len(symbols), CODE_GROUP_SIZE)
    )


# Random bytes read as symbols: a byte below 248 (= 31·8) is the symbol of its remainder by 31,
# a byte from 248 up is dropped — so each symbol is uniform over the alphabet and independent of
# the others, as a call of secrets.choice is, and one secrets call serves thousands of codes
# (the import makes one code per new Link client).
_USABLE_BYTES = len(CODE_ALPHABET) * (256 // len(CODE_ALPHABET))
_SYMBOL_OF_BYTE = bytes(ord(CODE_ALPHABET[byte % len(CODE_ALPHABET)]) for byte in range(256))
_DROPPED_BYTES = bytes(range(_USABLE_BYTES, 256))


def _random_symbols(count: int) -> str:
    """`count` symbols of CODE_ALPHABET, each uniform and independent."""
    symbols = b""
    while len(symbols) < count:
        # ~3% of the bytes are dropped: ask for a few more than are missing.
        wanted = (count - len(symbols)) * 256 // _USABLE_BYTES + 8
        symbols += secrets.token_bytes(wanted).translate(_SYMBOL_OF_BYTE, _DROPPED_BYTES)
    return symbols[:count].decode("ascii")


def _random_groups(groups: int) -> str:
    return _grouped(_random_symbols(groups * CODE_GROUP_SIZE))


def new_registration_code() -> str:
    return _random_groups(CODE_GROUPS)


def new_registration_codes(count: int) -> list[str]:
    """`count` registration codes, as `count` calls of new_registration_code would make them,
    from one draw of random bytes (the import's new Link clients)."""
    size = CODE_GROUPS * CODE_GROUP_SIZE
    symbols = _random_symbols(count * size)
    return [_grouped(symbols[start : start + size]) for start in range(0, len(symbols), size)]


def new_license_key() -> str:
    return _random_groups(KEY_GROUPS)


def normalize_registration_code(text: str) -> str | None:
    """A code as typed (any case, spaces or dashes anywhere) in its stored form, or None when it
    cannot be a registration code at all."""
    symbols = "".join(text.split()).replace("-", "").upper()
    if len(symbols) != CODE_GROUPS * CODE_GROUP_SIZE or set(symbols) - set(CODE_ALPHABET):
        return None
    return _grouped(symbols)
