"""The eMRTD's symmetric cryptography (ICAO Doc 9303 Part 11, sections 9.7 and 9.8).

BAC and 3DES PACE: two-key 3DES in CBC mode with a zero IV, the ISO/IEC 9797-1 "retail MAC"
(MAC algorithm 3, DES) and padding method 2, and the SHA-1 key derivation; keys are 16
bytes (K_a || K_b). AES PACE: AES-CBC and AES-CMAC. All byte strings. Checked against the
worked examples of Doc 9303 Part 11 Appendices D and G.
"""

from __future__ import annotations

import hashlib
from typing import Any

BLOCK = 8
"""DES block size in bytes."""

ENC = 1
MAC = 2
"""Key derivation counters: 1 gives the encryption key, 2 the MAC key."""


def pad(data: bytes, block: int = BLOCK) -> bytes:
    """ISO/IEC 9797-1 padding method 2: ``0x80`` then zeros up to a multiple of ``block`` bytes."""
    padded = data + b"\x80"
    return padded + b"\x00" * (-len(padded) % block)


def unpad(data: bytes) -> bytes:
    """Undo :func:`pad`; raises ``ValueError`` when ``data`` is not padded that way."""
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ValueError("bad padding")
    return stripped[:-1]


def adjust_parity(key: bytes) -> bytes:
    """Each byte's lowest bit set so that the byte has odd parity (DES keys)."""
    out = bytearray()
    for byte in key:
        high = byte & 0xFE
        out.append(high | (bin(high).count("1") + 1) % 2)
    return bytes(out)


def derive_key(seed: bytes, counter: int) -> bytes:
    """The 16-byte 3DES key ``counter`` (:data:`ENC` or :data:`MAC`) from a 16-byte key seed:
    the first 16 bytes of SHA-1(seed || counter as 4 bytes big-endian), parity adjusted."""
    digest = hashlib.sha1(seed + counter.to_bytes(4, "big")).digest()
    return adjust_parity(digest[:16])


def _cipher(key: bytes) -> Any:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
    from cryptography.hazmat.primitives.ciphers import Cipher, modes

    full = key + key[:8] if len(key) == 16 else key  # two-key 3DES as K_a || K_b || K_a
    return Cipher(TripleDES(full), modes.CBC(b"\x00" * BLOCK))


def encrypt(key: bytes, data: bytes) -> bytes:
    """3DES-CBC with a zero IV; ``data`` must be a multiple of 8 bytes (pad it first)."""
    encryptor = _cipher(key).encryptor()
    return bytes(encryptor.update(data) + encryptor.finalize())


def decrypt(key: bytes, data: bytes) -> bytes:
    """The inverse of :func:`encrypt`."""
    decryptor = _cipher(key).decryptor()
    return bytes(decryptor.update(data) + decryptor.finalize())


def retail_mac(key: bytes, data: bytes) -> bytes:
    """ISO/IEC 9797-1 MAC algorithm 3 with DES over ``pad(data)``: 8 bytes.

    Single-DES CBC with K_a over every block, then the last block decrypted with K_b and
    encrypted again with K_a. (3DES with the key K||K||K is single DES.)
    """
    key_a, key_b = key[:8], key[8:16]
    chained = encrypt(key_a * 3, pad(data))[-BLOCK:]
    return encrypt(key_a * 3, decrypt(key_b * 3, chained))


def aes_encrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """AES-CBC; ``data`` must be a multiple of 16 bytes."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    encryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).encryptor()
    return bytes(encryptor.update(data) + encryptor.finalize())


def aes_decrypt(key: bytes, data: bytes, iv: bytes = bytes(16)) -> bytes:
    """The inverse of :func:`aes_encrypt`."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return bytes(decryptor.update(data) + decryptor.finalize())


def aes_cmac(key: bytes, data: bytes) -> bytes:
    """AES-CMAC of ``data``, truncated to 8 bytes as secure messaging uses it."""
    from cryptography.hazmat.primitives import cmac
    from cryptography.hazmat.primitives.ciphers import algorithms

    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(data)
    return bytes(mac.finalize()[:8])
