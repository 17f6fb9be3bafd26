"""PACE (ICAO Doc 9303 Part 11, section 4.4): password-authenticated access, the terminal's side.

Supported: elliptic-curve Diffie-Hellman with the generic mapping (``id-PACE-ECDH-GM-*``: 3DES or
AES session keys) and the chip-authentication mapping (``id-PACE-ECDH-CAM-*``), which maps
the same way and adds chip-authentication data this kiosk does not check (passive
authentication still proves the data). The password is the MRZ information or the card
access number (CAN). Checked against the worked example of Appendix G.1 and a 3DES exchange.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kiosk.chip import crypto, ec
from kiosk.chip.secure import SecureChannel, SessionKeys
from kiosk.chip.tlv import read_tlv, read_tlvs, tlv
from kiosk.chip.transport import Transport

PACE_OID = "0.4.0.127.0.7.2.2.4"
SUITES = {
    # OID suffix -> (mapping, cipher, session key bytes)
    "2.1": ("GM", "3des", 16),
    "2.2": ("GM", "aes", 16),
    "2.3": ("GM", "aes", 24),
    "2.4": ("GM", "aes", 32),
    "6.2": ("CAM", "aes", 16),
    "6.3": ("CAM", "aes", 24),
    "6.4": ("CAM", "aes", 32),
}
MRZ, CAN = 1, 2
"""Password references of MSE:Set AT."""
OK = 0x9000


class PaceError(Exception):
    """PACE failed: ``reason`` ``"refused"`` (the password is not this card's: the card refused or
    its token did not match) or ``"protocol"`` (an answer this side cannot use)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class PaceInfo:
    """One PACEInfo of EF.CardAccess: the protocol's OID and its standardised domain parameter id."""

    oid: str
    parameter_id: int

    @property
    def suite(self) -> tuple[str, str, int] | None:
        suffix = self.oid[len(PACE_OID) + 1 :] if self.oid.startswith(PACE_OID + ".") else ""
        return SUITES.get(suffix)

    @property
    def supported(self) -> bool:
        return self.suite is not None and self.parameter_id in ec.PRIMES


def decode_oid(data: bytes) -> str:
    """A DER OBJECT IDENTIFIER's content as dotted text."""
    if not data:
        raise ValueError("empty OID")
    parts = [min(data[0] // 40, 2), data[0] - 40 * min(data[0] // 40, 2)]
    value = 0
    for byte in data[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(map(str, parts))


def encode_oid(text: str) -> bytes:
    """The DER content of a dotted OID."""
    numbers = [int(n) for n in text.split(".")]
    out = bytearray([40 * numbers[0] + numbers[1]])
    for number in numbers[2:]:
        chunk = [number & 0x7F]
        number >>= 7
        while number:
            chunk.append(0x80 | (number & 0x7F))
            number >>= 7
        out += bytes(reversed(chunk))
    return bytes(out)


def parse_card_access(data: bytes) -> list[PaceInfo]:
    """The PACEInfos of EF.CardAccess (other security infos are skipped).

    Raises:
        ValueError: not a SET of security infos.
    """
    tag, body, _ = read_tlv(data)
    if tag != 0x31:
        raise ValueError(f"EF.CardAccess starts with tag {tag:#x}, not a SET")
    found = []
    for item_tag, item, _ in read_tlvs(body):
        parts = read_tlvs(item) if item_tag == 0x30 else []
        if len(parts) < 2 or parts[0][0] != 0x06 or parts[1][0] != 0x02:
            continue
        oid = decode_oid(parts[0][1])
        if oid.startswith(PACE_OID + ".") and oid.count(".") == PACE_OID.count(".") + 2:
            parameter = int.from_bytes(parts[2][1], "big") if len(parts) > 2 and parts[2][0] == 0x02 else -1
            found.append(PaceInfo(oid, parameter))
    return found


def derive(secret: bytes, counter: int, cipher: str, length: int) -> bytes:
    """Doc 9303's KDF: 3DES keys from SHA-1 (parity adjusted), AES-128 from SHA-1, AES-192/256 from SHA-256."""
    if cipher == "3des":
        return crypto.derive_key(secret, counter)
    digest = hashlib.sha1 if length == 16 else hashlib.sha256
    return digest(secret + counter.to_bytes(4, "big")).digest()[:length]


def password_key(password: str, reference: int) -> bytes:
    """π: SHA-1 of the MRZ information, or the CAN's digits."""
    return hashlib.sha1(password.encode("ascii")).digest() if reference == MRZ else password.encode("ascii")


def establish(
    transport: Transport,
    info: PaceInfo,
    password: str,
    reference: int = MRZ,
    *,
    scalars: Callable[[ec.Curve], Iterator[int]] | None = None,
    name_parameters: bool = False,
) -> SecureChannel:
    """Run PACE with ``password`` (the MRZ information, or the CAN with ``reference=CAN``) and
    return the secure channel (send sequence counter 0).

    Args:
        scalars: the terminal's two private scalars (tests: the worked example's); default random.
        name_parameters: say which domain parameters to use (MSE:Set AT's DO'84'), as a card
            listing several sets requires.

    Raises:
        PaceError: ``refused`` (a wrong password), ``password`` (the card does not take this kind
            of password, or this protocol, at MSE:Set AT) or ``protocol``.
        OSError: the transport lost the card.
    """
    suite = info.suite
    if suite is None or not info.supported:
        raise PaceError(f"PACE {info.oid} with parameters {info.parameter_id} is not supported", "protocol")
    _mapping, cipher, length = suite
    curve = ec.curve(info.parameter_id)
    keys = scalars(curve) if scalars else iter(lambda: curve.private_key(), None)
    oid = encode_oid(info.oid)

    mse = tlv(0x80, oid) + tlv(0x83, bytes([reference]))
    mse += tlv(0x84, bytes([info.parameter_id])) if name_parameters else b""
    _, status = transport.transmit(bytes([0x00, 0x22, 0xC1, 0xA4, len(mse)]) + mse)
    if status != OK:
        raise PaceError(f"the card refused PACE {info.oid} with this password (status {status:04X})", "password")

    def step(tag: int, value: bytes, *, last: bool = False) -> dict[int, bytes]:
        data = tlv(0x7C, tlv(tag, value) if value or tag else b"")
        command = bytes([0x00 if last else 0x10, 0x86, 0x00, 0x00, len(data)]) + data + b"\x00"
        answer, status = transport.transmit(command)
        if status != OK:
            reason = "refused" if last or (status & 0xFF00) == 0x6300 else "protocol"
            raise PaceError(f"the card ended PACE (status {status:04X})", reason)
        try:
            outer, content, _ = read_tlv(answer)
            if outer != 0x7C:
                raise ValueError("not dynamic authentication data")
            return {t: v for t, v, _ in read_tlvs(content)}
        except ValueError as error:
            raise PaceError(f"the card's PACE answer is malformed ({error})", "protocol") from None

    pi_key = derive(password_key(password, reference), 3, cipher, length)
    first = step(0, b"")
    encrypted = first.get(0x80, b"")
    nonce = _decrypt(cipher, pi_key, encrypted)
    try:
        secret_map = next(keys)
        chip_map = curve.decode(step(0x81, curve.encode(curve.multiply(secret_map, curve.g))).get(0x82, b""))
        shared = curve.multiply(secret_map, chip_map)
        generator = curve.add(curve.multiply(int.from_bytes(nonce, "big"), curve.g), shared)
        secret = next(keys)
        mine = curve.encode(curve.multiply(secret, generator))
        chip_key = step(0x83, mine).get(0x84, b"")
        chip_point = curve.decode(chip_key)
    except ec.CurveError as error:
        raise PaceError(f"the card's PACE key is not usable ({error})", "protocol") from None
    if chip_key == mine:
        raise PaceError("the card echoed the terminal's key", "protocol")
    point = curve.multiply(secret, chip_point)
    if point is None:
        raise PaceError("the shared point is at infinity", "protocol")
    shared_x = point[0].to_bytes(curve.size, "big")
    session = SessionKeys(derive(shared_x, 1, cipher, length), derive(shared_x, 2, cipher, length), 0, cipher)
    token = _token(session, oid, chip_key)
    answer = step(0x85, token, last=True)
    if not hmac.compare_digest(answer.get(0x86, b""), _token(session, oid, mine)):
        raise PaceError("the card's PACE token does not match: the password is not this card's", "refused")
    return SecureChannel(session)


def _decrypt(cipher: str, key: bytes, data: bytes) -> bytes:
    if not data or len(data) % (8 if cipher == "3des" else 16):
        raise PaceError("the card's encrypted nonce is malformed", "protocol")
    return crypto.decrypt(key, data) if cipher == "3des" else crypto.aes_decrypt(key, data)


def _token(session: SessionKeys, oid: bytes, point: bytes) -> bytes:
    """The authentication token over the other side's ephemeral public key."""
    return session.mac_of(tlv(0x7F49, tlv(0x06, oid) + tlv(0x86, point)), padded=False)
