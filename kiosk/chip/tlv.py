"""BER-TLV as the eMRTD files and secure messaging use it: tags of one or two bytes (more for
the ``0x1F`` form), definite lengths of up to 4 length bytes."""

from __future__ import annotations


def encode_length(length: int) -> bytes:
    """BER definite length."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag: int, value: bytes) -> bytes:
    """One TLV with ``tag`` written in as many bytes as it has."""
    return tag.to_bytes((tag.bit_length() + 7) // 8 or 1, "big") + encode_length(len(value)) + value


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """The TLV at ``offset``: (tag as int, value, offset after it).

    Raises:
        ValueError: truncated or indefinite-length data.
    """
    if offset >= len(data):
        raise ValueError("no TLV left")
    start = offset
    tag = data[offset]
    offset += 1
    if tag & 0x1F == 0x1F:
        while True:
            if offset >= len(data):
                raise ValueError("truncated tag")
            tag = (tag << 8) | data[offset]
            offset += 1
            if not data[offset - 1] & 0x80:
                break
    if offset >= len(data):
        raise ValueError(f"truncated length at byte {start}")
    first = data[offset]
    offset += 1
    if first == 0x80 or first > 0x84:
        raise ValueError(f"unsupported length byte {first:#04x}")
    if first & 0x80:
        count = first & 0x7F
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    else:
        length = first
    end = offset + length
    if end > len(data):
        raise ValueError(f"value runs past the end ({end} > {len(data)} bytes)")
    return tag, data[offset:end], end


def read_tlvs(data: bytes) -> list[tuple[int, bytes, bytes]]:
    """Every TLV in ``data`` in order: (tag, value, the TLV's own bytes)."""
    out = []
    offset = 0
    while offset < len(data):
        tag, value, end = read_tlv(data, offset)
        out.append((tag, value, data[offset:end]))
        offset = end
    return out


def header_length(data: bytes) -> int:
    """The whole length (tag + length + value) of the TLV that ``data`` starts with, from its
    first bytes only (the value may be cut short): how much of a file to read.

    Raises:
        ValueError: the tag or length is cut short or not a definite length.
    """
    offset = 1
    if data and data[0] & 0x1F == 0x1F:
        while offset < len(data) and data[offset] & 0x80:
            offset += 1
        offset += 1
    if offset >= len(data):
        raise ValueError("the file's first bytes hold no complete tag and length")
    first = data[offset]
    offset += 1
    if first == 0x80 or first > 0x84:
        raise ValueError(f"unsupported length byte {first:#04x}")
    if not first & 0x80:
        return offset + first
    count = first & 0x7F
    if offset + count > len(data):
        raise ValueError("the file's first bytes hold no complete length")
    return offset + count + int.from_bytes(data[offset : offset + count], "big")


def constructed(tag: int) -> bool:
    """Whether a tag (of any number of bytes) marks a constructed TLV (bit 6 of its first byte)."""
    first = tag >> (8 * ((max(tag.bit_length(), 1) - 1) // 8))
    return bool(first & 0x20)
