"""A few DER encoders, to build PKCS#12 files no exporter would write (tests only)."""


def tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size) + content


def seq(*items: bytes) -> bytes:
    return tlv(0x30, b"".join(items))


def octets(value: bytes) -> bytes:
    return tlv(0x04, value)


def integer(value: int) -> bytes:
    return tlv(0x02, value.to_bytes((value.bit_length() + 8) // 8, signed=True))


def oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray()
    for number in [40 * first + second, *rest]:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


def explicit(content: bytes) -> bytes:
    return tlv(0xA0, content)
