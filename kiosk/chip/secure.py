"""Basic Access Control and secure messaging (ICAO Doc 9303 Part 11, sections 4.3 and 9.8).

:class:`BacTerminal` runs the terminal's half of BAC's mutual authentication; it gives a
:class:`SecureChannel`, which wraps command APDUs (``CLA | 0x0C``, DO'87' encrypted data,
DO'97' expected length, DO'8E' MAC) and checks and unwraps the card's answers, counting
every message in the send sequence counter. APDUs are bytes; status words are ints.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from kiosk.chip import crypto
from kiosk.chip.tlv import encode_length, read_tlvs


class SecureMessagingError(Exception):
    """The card's answer failed its MAC or was malformed (a broken or tampered channel)."""


def key_seed(mrz_information: str) -> bytes:
    """BAC's 16-byte key seed: SHA-1 of the MRZ information (document number, birth date and
    expiry date, each followed by its check digit)."""
    return hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]


@dataclass
class SessionKeys:
    """The session's encryption and MAC keys (16 bytes each) and its send sequence counter."""

    enc: bytes
    mac: bytes
    ssc: int

    @classmethod
    def from_seed(cls, seed: bytes, ssc: int) -> SessionKeys:
        return cls(crypto.derive_key(seed, crypto.ENC), crypto.derive_key(seed, crypto.MAC), ssc)


@dataclass
class BacTerminal:
    """The terminal's side of BAC for one MRZ information string.

    ``challenge_command()`` is sent first; ``authenticate_command(rnd_ic)`` builds EXTERNAL
    AUTHENTICATE from the card's 8-byte challenge; ``session(answer)`` checks the card's
    40-byte answer and returns the secure channel (``None`` when the answer does not prove
    the card knows the same key: a wrong MRZ).
    """

    mrz_information: str
    rnd_ifd: bytes = b""
    k_ifd: bytes = b""

    def __post_init__(self) -> None:
        seed = key_seed(self.mrz_information)
        self._enc = crypto.derive_key(seed, crypto.ENC)
        self._mac = crypto.derive_key(seed, crypto.MAC)
        self.rnd_ifd = self.rnd_ifd or os.urandom(8)
        self.k_ifd = self.k_ifd or os.urandom(16)
        self._rnd_ic = b""

    @staticmethod
    def challenge_command() -> bytes:
        """GET CHALLENGE for 8 bytes."""
        return bytes.fromhex("0084000008")

    def authenticate_command(self, rnd_ic: bytes) -> bytes:
        """EXTERNAL AUTHENTICATE with E_IFD || M_IFD (40 bytes), expecting 40 bytes back."""
        self._rnd_ic = rnd_ic
        e_ifd = crypto.encrypt(self._enc, self.rnd_ifd + rnd_ic + self.k_ifd)
        return bytes.fromhex("0082000028") + e_ifd + crypto.retail_mac(self._mac, e_ifd) + b"\x28"

    def session(self, answer: bytes) -> SecureChannel | None:
        """The secure channel, or ``None`` if the card's answer fails its MAC or challenge."""
        if len(answer) != 40:
            return None
        e_ic, m_ic = answer[:32], answer[32:]
        if crypto.retail_mac(self._mac, e_ic) != m_ic:
            return None
        plain = crypto.decrypt(self._enc, e_ic)
        if plain[:8] != self._rnd_ic or plain[8:16] != self.rnd_ifd:
            return None
        k_ic = plain[16:32]
        seed = bytes(a ^ b for a, b in zip(self.k_ifd, k_ic, strict=True))
        ssc = int.from_bytes(self._rnd_ic[-4:] + self.rnd_ifd[-4:], "big")
        return SecureChannel(SessionKeys.from_seed(seed, ssc))


class SecureChannel:
    """Secure messaging with 3DES session keys (the terminal's side)."""

    def __init__(self, keys: SessionKeys) -> None:
        self.keys = keys

    def _next_ssc(self) -> bytes:
        self.keys.ssc = (self.keys.ssc + 1) % (1 << 64)
        return self.keys.ssc.to_bytes(8, "big")

    def wrap(self, apdu: bytes) -> bytes:
        """The protected form of a short plain command APDU (case 1-4, no chaining)."""
        header = bytes([apdu[0] | 0x0C]) + apdu[1:4]
        data, le = _body(apdu)
        objects = b""
        if data:
            encrypted = crypto.encrypt(self.keys.enc, crypto.pad(data))
            objects += b"\x87" + encode_length(len(encrypted) + 1) + b"\x01" + encrypted
        if le is not None:
            objects += b"\x97\x01" + bytes([le & 0xFF])
        mac = crypto.retail_mac(self.keys.mac, self._next_ssc() + crypto.pad(header) + objects)
        objects += b"\x8e\x08" + mac
        return header + bytes([len(objects)]) + objects + b"\x00"

    def unwrap(self, answer: bytes, sw: int) -> tuple[bytes, int]:
        """The plain data and status word of a protected answer.

        Raises:
            SecureMessagingError: no MAC, a wrong MAC, or bad padding. An answer with no
                data objects at all (the card dropped secure messaging, e.g. ``6988``) is
                returned as it came, with its status word, after counting it.
        """
        ssc = self._next_ssc()
        if not answer:
            return b"", sw
        try:
            objects = read_tlvs(answer)
        except ValueError as error:
            raise SecureMessagingError(f"malformed secure-messaging answer ({error})") from None
        covered = b""
        data = b""
        status = sw
        mac = b""
        for tag, value, raw in objects:
            if tag == 0x87:
                covered += raw
                data = crypto.decrypt(self.keys.enc, value[1:])
            elif tag == 0x99:
                covered += raw
                status = int.from_bytes(value, "big")
            elif tag == 0x8E:
                mac = value
        if not mac or crypto.retail_mac(self.keys.mac, ssc + covered) != mac:
            raise SecureMessagingError("the card's answer failed its MAC")
        if data:
            try:
                data = crypto.unpad(data)
            except ValueError:
                raise SecureMessagingError("the card's answer is badly padded") from None
        return data, status


def _body(apdu: bytes) -> tuple[bytes, int | None]:
    """A short APDU's command data and Le (``None`` when absent)."""
    rest = apdu[4:]
    if not rest:
        return b"", None
    if len(rest) == 1:
        return b"", rest[0]
    lc = rest[0]
    data = rest[1 : 1 + lc]
    le = rest[1 + lc] if len(rest) > 1 + lc else None
    return data, le
