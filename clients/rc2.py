"""RC2 decryption (RFC 2268) in CBC mode, for any effective key length.

Only for reading inside PKCS#12 containers that older exporters (OpenSSL before 3.0, Java 8,
old Windows) encrypt with RC2-40, before OpenSSL opens them (clients.pkcs12_cost):
`cryptography` offers RC2 with 128-bit keys only. A few kB at most, so plain Python is fast
enough; nothing here encrypts.
"""

# RFC 2268, section 2: a permutation of 0..255 from the digits of pi.
PITABLE = bytes.fromhex(
    "d978f9c419ddb5ed28e9fd794aa0d89dc67e37832b76538e624c6488448bfba2"
    "179a59f587b34f1361456d8d09817d32bd8f40eb86b77b0bf09521225c6b4e82"
    "54d66593ce60b21c7356c014a78cf1dc1275ca1f3bbee4d1423dd430a33cb626"
    "6fbf0eda4669075727f21d9bbc944303f811c7f690ef3ee706c3d52fc8661ed7"
    "08e8eade8052eef784aa72ac354d6a2a961ad2715a1549744b9fd05e0418a4ec"
    "c2e0416e0f51cbcc2491af50a1f47039997c3a8523b8b47afc02365b25559731"
    "2d5dfa98e38a92ae05df2910676cbac9d300e6cfe19ea82c6316013f58e289a9"
    "0d38341bab33ffb0bb480c5fb9b1cd2ec5f3db47e5a59c770aa62068fe7fc1ad"
)
MASK = 0xFFFF
SHIFTS = (1, 2, 3, 5)


def expand_key(key: bytes, effective_bits: int) -> list[int]:
    """The 64 16-bit round keys (RFC 2268, section 2)."""
    length = len(key)
    table = bytearray(128)
    table[:length] = key
    for i in range(length, 128):
        table[i] = PITABLE[(table[i - 1] + table[i - length]) % 256]
    t8 = (effective_bits + 7) // 8
    tm = 0xFF >> (8 * t8 - effective_bits)
    table[128 - t8] = PITABLE[table[128 - t8] & tm]
    for i in range(127 - t8, -1, -1):
        table[i] = PITABLE[table[i + 1] ^ table[i + t8]]
    return [table[2 * i] | (table[2 * i + 1] << 8) for i in range(64)]


def decrypt_block(keys: list[int], block: bytes) -> bytes:
    """RFC 2268, section 4: five mixing rounds, a mashing round, six mixing, a mashing,
    five mixing, each undone in reverse order."""
    words = [block[2 * i] | (block[2 * i + 1] << 8) for i in range(4)]
    j = 63

    def mix():
        nonlocal j
        for i in (3, 2, 1, 0):
            value = words[i]
            value = ((value >> SHIFTS[i]) | (value << (16 - SHIFTS[i]))) & MASK
            value -= keys[j] + (words[i - 1] & words[i - 2]) + (~words[i - 1] & words[i - 3])
            words[i] = value & MASK
            j -= 1

    def mash():
        for i in (3, 2, 1, 0):
            words[i] = (words[i] - keys[words[i - 1] & 63]) & MASK

    for rounds in (5, 0, 6, 0, 5):
        if rounds:
            for _ in range(rounds):
                mix()
        else:
            mash()
    return b"".join(word.to_bytes(2, "little") for word in words)


def rc2_cbc_decrypt(key: bytes, iv: bytes, data: bytes, *, effective_bits: int) -> bytes:
    """`data` decrypted in CBC mode (its padding left in place)."""
    if len(iv) != 8 or len(data) % 8:
        raise ValueError("RC2-CBC needs an 8-byte IV and whole 8-byte blocks")
    keys = expand_key(key, effective_bits)
    plain, previous = bytearray(), iv
    for start in range(0, len(data), 8):
        block = data[start : start + 8]
        plain += bytes(a ^ b for a, b in zip(decrypt_block(keys, block), previous, strict=True))
        previous = block
    return bytes(plain)
