"""Basic Access Control and secure messaging (ICAO Doc 9303 Part 11, sections 4.3 and 9.8).

:class:`BacTerminal` runs the terminal's half of BAC's mutual authentication; it gives a
:class:`SecureChannel`, which wraps command APDUs (``CLA | 0x0C``, DO'87' encrypted data,
DO'97' expected length, DO'8E' MAC) and checks and unwraps the card's answers, counting
every message in the send sequence counter. APDUs are bytes; status words are ints.
"""

from __future__ import annotations

import hashlib
import hmac
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
    """A session's encryption and MAC keys, its send sequence counter and its cipher: ``"3des"``
    (BAC, 3DES PACE: 8-byte blocks and counter, zero IV, retail MAC) or ``"aes"`` (AES PACE:
    16-byte blocks and counter, IV = E(K_enc, counter), CMAC)."""

    enc: bytes
    mac: bytes
    ssc: int
    cipher: str = "3des"

    @classmethod
    def from_seed(cls, seed: bytes, ssc: int) -> SessionKeys:
        return cls(crypto.derive_key(seed, crypto.ENC), crypto.derive_key(seed, crypto.MAC), ssc)

    @property
    def block(self) -> int:
        return 8 if self.cipher == "3des" else 16

    def counter(self) -> bytes:
        return self.ssc.to_bytes(self.block, "big")

    def encrypt(self, data: bytes) -> bytes:
        """Encrypt padded data for the current counter."""
        if self.cipher == "3des":
            return crypto.encrypt(self.enc, data)
        return crypto.aes_encrypt(self.enc, data, self._iv())

    def decrypt(self, data: bytes) -> bytes:
        if self.cipher == "3des":
            return crypto.decrypt(self.enc, data)
        return crypto.aes_decrypt(self.enc, data, self._iv())

    def _iv(self) -> bytes:
        return crypto.aes_encrypt(self.enc, self.counter())

    def mac_of(self, data: bytes, *, padded: bool = True) -> bytes:
        """The 8-byte MAC of ``data``: the retail MAC pads it; CMAC pads it only with ``padded``
        (secure messaging pads its MAC input; PACE's authentication tokens do not)."""
        if self.cipher == "3des":
            return crypto.retail_mac(self.mac, data)
        return crypto.aes_cmac(self.mac, crypto.pad(data, 16) if padded else data)


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
    """Secure messaging (the terminal's side) with the session's keys and cipher."""

    def __init__(self, keys: SessionKeys) -> None:
        self.keys = keys

    def _next(self) -> bytes:
        self.keys.ssc = (self.keys.ssc + 1) % (1 << (8 * self.keys.block))
        return self.keys.counter()

    def wrap(self, apdu: bytes) -> bytes:
        """The protected form of a short plain command APDU (case 1-4, no chaining)."""
        keys = self.keys
        header = bytes([apdu[0] | 0x0C]) + apdu[1:4]
        data, le = _body(apdu)
        counter = self._next()
        objects = b""
        if data:
            encrypted = keys.encrypt(crypto.pad(data, keys.block))
            objects += b"\x87" + encode_length(len(encrypted) + 1) + b"\x01" + encrypted
        if le is not None:
            objects += b"\x97\x01" + bytes([le & 0xFF])
        objects += b"\x8e\x08" + keys.mac_of(counter + crypto.pad(header, keys.block) + objects)
        return header + bytes([len(objects)]) + objects + b"\x00"

    def unwrap(self, answer: bytes, sw: int) -> tuple[bytes, int]:
        """The plain data and status word of a protected answer.

        An answer with no data objects at all is returned with its outer status word only when
        that is an error (a card may drop secure messaging to say ``6988``, or answer an error
        plainly): it can only make a step fail, never succeed.

        Raises:
            SecureMessagingError: a success without secure messaging, no MAC or no protected
                status (DO'99'), a wrong MAC, or a malformed encrypted object.
        """
        keys = self.keys
        counter = self._next()
        if not answer:
            if sw in (0x9000, 0x6282):
                raise SecureMessagingError("the card answered without secure messaging")
            return b"", sw
        try:
            objects = read_tlvs(answer)
        except ValueError as error:
            raise SecureMessagingError(f"malformed secure-messaging answer ({error})") from None
        covered = b"".join(raw for tag, _, raw in objects if tag in (0x87, 0x99))
        found = {tag: value for tag, value, _ in objects}
        if 0x8E not in found or 0x99 not in found:
            raise SecureMessagingError("the card's answer carries no MAC or no protected status")
        if not hmac.compare_digest(keys.mac_of(counter + covered), found[0x8E]):
            raise SecureMessagingError("the card's answer failed its MAC")
        status = int.from_bytes(found[0x99], "big")
        encrypted = found.get(0x87, b"")
        if not encrypted:
            return b"", status
        if encrypted[0] != 0x01 or len(encrypted) < 1 + keys.block or (len(encrypted) - 1) % keys.block:
            raise SecureMessagingError("the card's encrypted answer is malformed")
        try:
            return crypto.unpad(keys.decrypt(encrypted[1:])), status
        except ValueError:
            raise SecureMessagingError("the card's answer is badly padded") from None


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
